import { CatalogueError, parseCatalogue } from '../../shared/catalogue.ts';
import type { FeatureSpec } from '../../shared/manifest.ts';
import type { FeatureCatalog } from '../gateway/invoker.ts';
import { TABLES, type TableId, type TableNames } from '../store/tables.ts';

export class AwsConfigError extends Error {
  override readonly name = 'AwsConfigError';
}

export interface AwsConfig {
  tables: TableNames;
  spoolQueueUrl: string;
  featureFunctionPrefix: string;
  pseudonymSecretArn: string;
}

/** Environment variable that names each table: TABLE_CLIENTS, TABLE_KEYS, ... */
export function tableEnvName(id: TableId): string {
  return `TABLE_${id.toUpperCase()}`;
}

/** Reads the Lambda environment the stack sets, once, and reports every missing variable. */
export interface AwsNeeds {
  tables?: TableId[];
  spool?: boolean;
  features?: boolean;
  secret?: boolean;
}

export function readAwsConfig(env: NodeJS.ProcessEnv, needs: AwsNeeds): AwsConfig {
  const missing: string[] = [];
  const need = (name: string, required: boolean) => {
    const v = env[name];
    if (required && !v) missing.push(name);
    return v ?? '';
  };
  const tables = {} as TableNames;
  for (const id of Object.keys(TABLES) as TableId[]) tables[id] = need(tableEnvName(id), needs.tables?.includes(id) ?? false);
  const config = {
    tables,
    spoolQueueUrl: need('SPOOL_QUEUE_URL', needs.spool ?? false),
    featureFunctionPrefix: need('FEATURE_FUNCTION_PREFIX', needs.features ?? false),
    pseudonymSecretArn: need('PSEUDONYM_SECRET_ARN', needs.secret ?? false),
  };
  if (missing.length) throw new AwsConfigError(`missing environment: ${missing.join(', ')} (set by the CDK stack)`);
  return config;
}

/**
 * The feature catalogue baked into the bundle at synth time (esbuild `define` of FAASCAPE_CATALOG):
 * the specs infra parsed and validated from functions/ (shared/catalogue.ts). Only its shape is
 * checked here, by hand, so a bad bundle fails at cold start, not per call, and the Lambda does not
 * carry the manifest parser (zod, ~450 KB minified) to do it.
 */
export function catalogFromJson(json: string | undefined): FeatureCatalog {
  if (!json) throw new AwsConfigError('FAASCAPE_CATALOG is empty: the gateway was bundled without features');
  const list = readCatalogue(json);
  const specs = new Map(list.map((s) => [s.slug, s]));
  return { get: (slug) => specs.get(slug), list: () => list };
}

function readCatalogue(json: string): FeatureSpec[] {
  try {
    return parseCatalogue(json);
  } catch (e) {
    if (e instanceof CatalogueError) throw new AwsConfigError(`FAASCAPE_CATALOG: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * The key of the pseudonyms features see, as Secrets Manager gave it: refused when missing or
 * short, since pseudonyms keyed by nothing could be reversed from guessable client ids.
 */
export function pseudonymSecret(value: string | undefined): string {
  if (!value || value.length < 32) throw new AwsConfigError('the pseudonym secret (the secret PSEUDONYM_SECRET_ARN names) is empty or shorter than 32 characters');
  return value;
}
