/**
 * Deterministic randomness for the simulation. `hashUniform(seed, i, salt)` gives the same number
 * for the same call index whatever order the calls run in (containers run concurrently), so a
 * call's client, feature, outcome and fate depend on the seed only. `Sequence` is an ordinary
 * seeded stream for decisions whose order does not matter (fault draws per attempt).
 */
import { mulberry32 } from '../../shared/prng.ts';

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A uniform number in [0, 1) from (seed, index, salt). */
export function hashUniform(seed: number, index: number, salt: number): number {
  return mix32(mix32(mix32(seed ^ 0x9e3779b9) ^ index) ^ Math.imul(salt, 0x85ebca6b)) / 2 ** 32;
}

export class Sequence {
  /** mulberry32, from a mixed seed */
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(mix32(seed ^ 0x2545f491) || 1);
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}
