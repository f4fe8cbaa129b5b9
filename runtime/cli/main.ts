import { InvalidArgumentError } from 'commander';
import { DomainError } from '../../shared/errors.ts';
import { StatusError } from '../local/operator.ts';
import { StoreLockedError } from '../local/dynalite-server.ts';
import { describeError } from '../logger.ts';
import { safeBlock } from './format.ts';
import { program } from './program.ts';

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Said to the operator as it is: a rule said no, a bad argument, or the platform/store is not there.
  const plain = e instanceof DomainError || e instanceof InvalidArgumentError || e instanceof StatusError || e instanceof StoreLockedError;
  const message = plain ? e.message : describeError(e);
  // A message may quote what others wrote: a manifest, a feature's build error, a stored name.
  console.error(`faascape: ${safeBlock(message)}`);
  process.exitCode = 1;
}
