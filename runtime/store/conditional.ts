import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

export function isConditionFailure(e: unknown): boolean {
  return e instanceof ConditionalCheckFailedException || (e as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/** A conditional write: true when it was made, false when its condition refused it. */
export async function conditional(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}
