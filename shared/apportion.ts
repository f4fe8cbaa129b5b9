/**
 * Largest-remainder apportionment of an integer total between parties with exact rational
 * entitlements `numerator / denominator` (one shared denominator). Each party gets the floor or
 * the ceiling of its entitlement; the units left after the floors go to the largest remainders,
 * ties broken by id so the result never depends on input order.
 */
export function apportion(total: bigint, numerators: Map<string, bigint>, denominator: bigint): Map<string, bigint> {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const out = new Map<string, bigint>();
  let given = 0n;
  const remainders: { id: string; rem: bigint }[] = [];
  for (const [id, num] of numerators) {
    if (num < 0n) throw new RangeError(`negative entitlement for ${id}`);
    const floor = num / denominator;
    out.set(id, floor);
    given += floor;
    remainders.push({ id, rem: num % denominator });
  }
  let left = total - given;
  if (left < 0n || left > BigInt(remainders.length)) {
    throw new RangeError(`cannot apportion ${total} over entitlements summing to ${given} + remainders`);
  }
  remainders.sort((a, b) => (a.rem === b.rem ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.rem > b.rem ? -1 : 1));
  for (const r of remainders) {
    if (left === 0n) break;
    // A party with no remainder is already exact: it never takes a ceiling it is not owed.
    if (r.rem === 0n) break;
    out.set(r.id, (out.get(r.id) as bigint) + 1n);
    left -= 1n;
  }
  if (left !== 0n) throw new RangeError(`apportionment left ${left} unassigned`);
  return out;
}
