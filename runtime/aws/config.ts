import { parseManifest, type FeatureSpec } from '../../shared/manifest.ts';
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

export interface CatalogEntry {
  slug: string;
  manifest: unknown;
}

/**
 * The feature catalogue baked into the gateway bundle at synth time (esbuild `define` of
 * FAASCAPE_CATALOG), validated again here so a bad bundle fails at cold start, not per call.
 */
export function catalogFromJson(json: string | undefined): FeatureCatalog {
  if (!json) throw new AwsConfigError('FAASCAPE_CATALOG is empty: the gateway was bundled without features');
  const specs = new Map<string, FeatureSpec>();
  for (const e of JSON.parse(json) as CatalogEntry[]) specs.set(e.slug, parseManifest(e.slug, `functions/${e.slug}/feature.json`, e.manifest));
  const list = [...specs.values()];
  return { get: (slug) => specs.get(slug), list: () => list };
}
