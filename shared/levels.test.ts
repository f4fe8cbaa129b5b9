import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  canAcceptRequests,
  canModerate,
  coAuthoredFeatures,
  developerScore,
  HELP_POINTS,
  helpPoints,
  LEVELS,
  levelOf,
  levelRank,
  nextLevel,
  usagePoints,
  weightedCalls,
  type LevelName,
} from './levels.ts';
import { computeStatement } from './statement.ts';
import type { AuthorShare, UsageAggregate } from './usage.ts';

const MONTH = '2025-03';
const NAMES: LevelName[] = ['newcomer', 'contributor', 'publisher', 'maintainer', 'mentor'];
const DEVS = ['ada', 'bob', 'cy', 'dee', 'eve'];

function agg(clientId: string, featureId: string, authors: AuthorShare[], billableCalls: number, perCallMicros = 1_000_000): UsageAggregate {
  return {
    month: MONTH,
    clientId,
    featureId,
    price: { perCallMicros, perGbSecondMicros: 0, currency: 'EUR' },
    authors: authors.map((a) => ({ ...a })),
    calls: billableCalls + 1,
    billableCalls,
    errors: 1,
    timeouts: 0,
    billedMs: billableCalls + 1,
    billableMs: billableCalls,
    billableMbMs: billableCalls * 128,
    requestBytes: 0,
    responseBytes: 0,
  };
}

/** An authors snapshot: 1–4 distinct developers, integer weights 1–1000, as the manifest allows. */
const authorsArb = fc
  .uniqueArray(fc.constantFrom(...DEVS), { minLength: 1, maxLength: 4 })
  .chain((ids) => fc.tuple(...ids.map((id) => fc.integer({ min: 1, max: 1000 }).map((weight) => ({ id, weight })))));

const aggregatesArb = fc.array(
  fc.record({
    clientId: fc.constantFrom('c1', 'c2', 'c3'),
    featureId: fc.constantFrom('f1', 'f2', 'f3', 'f4'),
    authors: authorsArb,
    billableCalls: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 10_000_000 })),
  }),
  { maxLength: 25 },
);

const helpArb = fc.record({
  acceptedAnswers: fc.nat({ max: 500 }),
  coAuthoredFeatures: fc.nat({ max: 100 }),
  reviews: fc.nat({ max: 1000 }),
});
const callsArb = fc.oneof(fc.double({ min: 0, max: 1e15, noNaN: true }), fc.integer({ min: 0, max: 100_000 }));

describe('LEVELS', () => {
  it('five levels, in order, from 0, with rising thresholds', () => {
    expect(LEVELS.map((l) => l.name)).toEqual(NAMES);
    expect(LEVELS[0]?.minScore).toBe(0);
    expect(LEVELS.map((l) => [l.minScore, l.minHelpPoints ?? 0])).toEqual([
      [0, 0],
      [50, 0],
      [150, 0],
      [400, 100],
      [1000, 300],
    ]);
    for (let i = 1; i < LEVELS.length; i++) {
      const [prev, cur] = [LEVELS[i - 1]!, LEVELS[i]!];
      expect(cur.minScore).toBeGreaterThan(prev.minScore);
      expect(cur.minHelpPoints ?? 0).toBeGreaterThanOrEqual(prev.minHelpPoints ?? 0);
      expect(cur.unlocks.length).toBeGreaterThan(0);
    }
  });

  it('mentor needs real help: no amount of usage alone reaches maintainer or mentor', () => {
    expect(LEVELS.find((l) => l.name === 'mentor')?.minHelpPoints).toBeGreaterThan(0);
    fc.assert(
      fc.property(callsArb, (w) => {
        const s = developerScore({ weightedCalls: w, acceptedAnswers: 0, coAuthoredFeatures: 0, reviews: 0 });
        expect(levelRank(s.level)).toBeLessThanOrEqual(levelRank('publisher'));
      }),
    );
    // A feature with 10¹² weighted calls (1200 points) and nothing else: a publisher, not a mentor.
    expect(developerScore({ weightedCalls: 1e12, acceptedAnswers: 0, coAuthoredFeatures: 0, reviews: 0 })).toMatchObject({
      usagePoints: 1200,
      level: 'publisher',
      next: { level: 'maintainer', score: 400, helpPoints: 100 },
    });
  });
});

describe('usagePoints', () => {
  it('is ⌊100 × log10(1 + w)⌋ on known values', () => {
    expect(usagePoints(0)).toBe(0);
    expect(usagePoints(0.5)).toBe(17);
    expect(usagePoints(1)).toBe(30);
    expect(usagePoints(3)).toBe(60);
    expect(usagePoints(9)).toBe(100);
    expect(usagePoints(8.999)).toBe(99);
    expect(usagePoints(99)).toBe(200);
    expect(usagePoints(999)).toBe(300);
    expect(usagePoints(1e4)).toBe(400);
    expect(usagePoints(1e6)).toBe(600);
    expect(usagePoints(1e9)).toBe(900);
  });

  it('is an integer within one point of 100 × log10(1 + w)', () => {
    fc.assert(
      fc.property(callsArb, (w) => {
        const p = usagePoints(w);
        const exact = 100 * Math.log10(1 + w);
        expect(Number.isInteger(p)).toBe(true);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(exact + 1e-9);
        expect(p).toBeGreaterThan(exact - 1 - 1e-9);
      }),
    );
  });

  it('is monotone non-decreasing', () => {
    fc.assert(
      fc.property(callsArb, callsArb, (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(usagePoints(lo)).toBeLessThanOrEqual(usagePoints(hi));
      }),
    );
    // Around every threshold of the first 12 decades, neighbouring floats never go backwards.
    for (let p = 1; p <= 1200; p++) {
      const t = 10 ** (p / 100) - 1;
      const xs = [t * (1 - 1e-15), t * (1 - 2e-16), t, t * (1 + 2e-16), t * (1 + 1e-15)];
      const ps = xs.map(usagePoints);
      for (let i = 1; i < ps.length; i++) expect(ps[i]!).toBeGreaterThanOrEqual(ps[i - 1]!);
    }
  });

  it('one viral feature does not eclipse everything (log scale)', () => {
    expect(usagePoints(1e9)).toBeLessThan(4 * usagePoints(1e4));
    expect(usagePoints(1e9)).toBeLessThan(3 * usagePoints(1e3) + 1);
    // 100,000 times the calls is worth 500 points: what 25 accepted answers give.
    expect(usagePoints(1e9) - usagePoints(1e4)).toBe(25 * HELP_POINTS.acceptedAnswer);
  });

  it('rejects negative, NaN and infinite input', () => {
    expect(() => usagePoints(-1)).toThrow(RangeError);
    expect(() => usagePoints(Number.NaN)).toThrow(RangeError);
    expect(() => usagePoints(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('helpPoints', () => {
  it('weighs answers, co-authorships and reviews', () => {
    expect(HELP_POINTS).toEqual({ acceptedAnswer: 20, coAuthoredFeature: 30, review: 5 });
    expect(helpPoints({ acceptedAnswers: 0, coAuthoredFeatures: 0, reviews: 0 })).toBe(0);
    expect(helpPoints({ acceptedAnswers: 3, coAuthoredFeatures: 2, reviews: 4 })).toBe(60 + 60 + 20);
  });

  it('is linear in each component', () => {
    fc.assert(
      fc.property(helpArb, (h) => {
        expect(helpPoints(h)).toBe(20 * h.acceptedAnswers + 30 * h.coAuthoredFeatures + 5 * h.reviews);
      }),
    );
  });

  it('rejects negative or fractional counts', () => {
    expect(() => helpPoints({ acceptedAnswers: -1, coAuthoredFeatures: 0, reviews: 0 })).toThrow(RangeError);
    expect(() => helpPoints({ acceptedAnswers: 0, coAuthoredFeatures: 0.5, reviews: 0 })).toThrow(RangeError);
    expect(() => helpPoints({ acceptedAnswers: 0, coAuthoredFeatures: 0, reviews: Number.NaN })).toThrow(RangeError);
  });
});

describe('levelOf / nextLevel', () => {
  it('exact boundaries', () => {
    expect(levelOf(0, 0)).toBe('newcomer');
    expect(levelOf(49, 0)).toBe('newcomer');
    expect(levelOf(50, 0)).toBe('contributor');
    expect(levelOf(149.9, 0)).toBe('contributor');
    expect(levelOf(150, 0)).toBe('publisher');
    expect(levelOf(400, 99)).toBe('publisher');
    expect(levelOf(400, 100)).toBe('maintainer');
    expect(levelOf(999, 1000)).toBe('maintainer');
    expect(levelOf(1000, 299)).toBe('maintainer');
    expect(levelOf(1000, 300)).toBe('mentor');
    expect(levelOf(5000, 5000)).toBe('mentor');
    expect(levelOf(5000, 0)).toBe('publisher');
  });

  it('is monotone in score and in help points', () => {
    const n = fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.double({ min: 0, max: 1e6, noNaN: true }));
    fc.assert(
      fc.property(n, n, n, n, (s1, s2, h1, h2) => {
        const [sLo, sHi] = s1 <= s2 ? [s1, s2] : [s2, s1];
        const [hLo, hHi] = h1 <= h2 ? [h1, h2] : [h2, h1];
        expect(levelRank(levelOf(sLo, hLo))).toBeLessThanOrEqual(levelRank(levelOf(sHi, hLo)));
        expect(levelRank(levelOf(sLo, hLo))).toBeLessThanOrEqual(levelRank(levelOf(sLo, hHi)));
        expect(levelRank(levelOf(sLo, hLo))).toBeLessThanOrEqual(levelRank(levelOf(sHi, hHi)));
      }),
    );
  });

  it('the reached level meets its thresholds and the next one does not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 1000 }), (score, help) => {
        const level = levelOf(score, help);
        const def = LEVELS[levelRank(level)]!;
        expect(score).toBeGreaterThanOrEqual(def.minScore);
        expect(help).toBeGreaterThanOrEqual(def.minHelpPoints ?? 0);
        const next = nextLevel(score, help);
        expect(next).toEqual(nextLevel(level));
        if (next === null) expect(level).toBe('mentor');
        else {
          expect(levelRank(next.level)).toBe(levelRank(level) + 1);
          expect(score < next.score || help < (next.helpPoints ?? 0)).toBe(true);
        }
      }),
    );
  });

  it('names the next level and what it needs', () => {
    expect(nextLevel('newcomer')).toEqual({ level: 'contributor', score: 50 });
    expect(nextLevel('contributor')).toEqual({ level: 'publisher', score: 150 });
    expect(nextLevel('publisher')).toEqual({ level: 'maintainer', score: 400, helpPoints: 100 });
    expect(nextLevel('maintainer')).toEqual({ level: 'mentor', score: 1000, helpPoints: 300 });
    expect(nextLevel('mentor')).toBeNull();
    expect(nextLevel(10, 0)).toEqual({ level: 'contributor', score: 50 });
  });
});

describe('developerScore', () => {
  it('adds usage and help points', () => {
    expect(developerScore({ weightedCalls: 1e4, acceptedAnswers: 3, coAuthoredFeatures: 1, reviews: 2 })).toEqual({
      usagePoints: 400,
      helpPoints: 100,
      score: 500,
      level: 'maintainer',
      next: { level: 'mentor', score: 1000, helpPoints: 300 },
    });
    expect(developerScore({ weightedCalls: 0, acceptedAnswers: 0, coAuthoredFeatures: 0, reviews: 0 })).toEqual({
      usagePoints: 0,
      helpPoints: 0,
      score: 0,
      level: 'newcomer',
      next: { level: 'contributor', score: 50 },
    });
    // Help alone can make a mentor: 50 accepted answers.
    expect(developerScore({ weightedCalls: 0, acceptedAnswers: 50, coAuthoredFeatures: 0, reviews: 0 }).level).toBe('mentor');
  });

  it('more weighted calls never lower the score or the level', () => {
    fc.assert(
      fc.property(callsArb, callsArb, helpArb, (a, b, h) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const sLo = developerScore({ weightedCalls: lo, ...h });
        const sHi = developerScore({ weightedCalls: hi, ...h });
        expect(sHi.score).toBeGreaterThanOrEqual(sLo.score);
        expect(levelRank(sHi.level)).toBeGreaterThanOrEqual(levelRank(sLo.level));
      }),
    );
  });

  it('more of any kind of help never lowers the score or the level', () => {
    fc.assert(
      fc.property(
        callsArb,
        helpArb,
        fc.constantFrom('acceptedAnswers', 'coAuthoredFeatures', 'reviews') as fc.Arbitrary<'acceptedAnswers' | 'coAuthoredFeatures' | 'reviews'>,
        fc.integer({ min: 1, max: 100 }),
        (w, h, key, more) => {
          const base = developerScore({ weightedCalls: w, ...h });
          const plus = developerScore({ weightedCalls: w, ...h, [key]: h[key] + more });
          expect(plus.helpPoints).toBeGreaterThan(base.helpPoints);
          expect(plus.score).toBeGreaterThan(base.score);
          expect(levelRank(plus.level)).toBeGreaterThanOrEqual(levelRank(base.level));
        },
      ),
    );
  });

  it('is consistent: score = usage + help, level = levelOf, next = nextLevel', () => {
    fc.assert(
      fc.property(callsArb, helpArb, (w, h) => {
        const s = developerScore({ weightedCalls: w, ...h });
        expect(s.usagePoints).toBe(usagePoints(w));
        expect(s.helpPoints).toBe(helpPoints(h));
        expect(s.score).toBe(s.usagePoints + s.helpPoints);
        expect(s.level).toBe(levelOf(s.score, s.helpPoints));
        expect(s.next).toEqual(nextLevel(s.level));
      }),
    );
  });
});

describe('weightedCalls', () => {
  it('uses each aggregate’s own authors snapshot, not one current split', () => {
    const aggs = [
      agg('c1', 'f1', [{ id: 'ada', weight: 1 }], 100), // before bob joined
      agg('c1', 'f1', [{ id: 'ada', weight: 3 }, { id: 'bob', weight: 1 }], 200), // after
      agg('c2', 'f2', [{ id: 'bob', weight: 1 }], 50),
      agg('c2', 'f3', [{ id: 'cy', weight: 2 }], 0),
    ];
    expect(weightedCalls(aggs, 'ada')).toBe(100 + 150);
    expect(weightedCalls(aggs, 'bob')).toBe(50 + 50);
    expect(weightedCalls(aggs, 'cy')).toBe(0);
    expect(weightedCalls(aggs, 'nobody')).toBe(0);
    expect(weightedCalls([], 'ada')).toBe(0);
  });

  it('matches what the statement pays: weightedCalls × per-call price is within 1 micro of earnedMicros', () => {
    // With a per-call price of whole cents only and a 100 % share, every line's amount (rounded to
    // the cent) and every split's revenue are exact, so a developer's exact entitlement is Σ calls × price × weight ÷ total weight =
    // weightedCalls × price; the statement's largest-remainder apportionment gives its floor or
    // ceiling: |earned − weightedCalls × price| < 1 micro (plus the float error of weightedCalls).
    fc.assert(
      fc.property(aggregatesArb, fc.oneof(fc.constant(1_000_000), fc.integer({ min: 1, max: 100 }).map((cents) => cents * 10_000)), (rows, price) => {
        const aggregates = rows.map((r) => agg(r.clientId, r.featureId, r.authors, r.billableCalls, price));
        const statement = computeStatement({
          month: MONTH,
          status: 'draft',
          policy: { developerShareBps: 10_000, minimumPayoutMicros: 0 },
          aggregates,
          late: [],
          carriedIn: new Map(),
        });
        const totalCalls = aggregates.reduce((s, a) => s + a.billableCalls, 0);
        const floatSlack = Number.EPSILON * (aggregates.length + 4) * totalCalls * price;
        for (const id of DEVS) {
          const earned = statement.developers.find((d) => d.developerId === id)?.earnedMicros ?? 0;
          expect(Math.abs(weightedCalls(aggregates, id) * price - earned)).toBeLessThan(1 + floatSlack);
        }
        expect(statement.totals.payoutMicros).toBe(totalCalls * price);
      }),
      { numRuns: 300 },
    );
  });

  it('summed over developers gives Σ billableCalls', () => {
    fc.assert(
      fc.property(aggregatesArb, (rows) => {
        const aggregates = rows.map((r) => agg(r.clientId, r.featureId, r.authors, r.billableCalls));
        const total = aggregates.reduce((s, a) => s + a.billableCalls, 0);
        const sum = DEVS.reduce((s, id) => s + weightedCalls(aggregates, id), 0);
        expect(Math.abs(sum - total)).toBeLessThanOrEqual(Number.EPSILON * (aggregates.length + DEVS.length) * Math.max(1, total));
      }),
    );
  });

  it('more billable calls never lower anyone’s weighted calls', () => {
    fc.assert(
      fc.property(aggregatesArb, fc.nat({ max: 24 }), fc.integer({ min: 1, max: 1_000_000 }), (rows, i, more) => {
        fc.pre(rows.length > 0);
        const aggregates = rows.map((r) => agg(r.clientId, r.featureId, r.authors, r.billableCalls));
        const k = i % aggregates.length;
        const bigger = aggregates.map((a, j) => (j === k ? { ...a, billableCalls: a.billableCalls + more } : a));
        for (const id of DEVS) expect(weightedCalls(bigger, id)).toBeGreaterThanOrEqual(weightedCalls(aggregates, id));
      }),
    );
  });
});

describe('coAuthoredFeatures', () => {
  const features = [
    { slug: 'geo', authors: [{ id: 'ada', weight: 3 }, { id: 'bob', weight: 1 }] }, // ada leads
    { slug: 'pdf', authors: [{ id: 'bob', weight: 2 }, { id: 'ada', weight: 2 }] }, // tie: bob, listed first, leads
    { slug: 'ocr', authors: [{ id: 'cy', weight: 1 }, { id: 'ada', weight: 5 }] }, // ada leads
    { slug: 'tax', authors: [{ id: 'cy', weight: 1 }] },
    { slug: 'vat', authors: [{ id: 'cy', weight: 1 }, { id: 'bob', weight: 1 }, { id: 'ada', weight: 1 }] }, // cy leads
  ];

  it('counts features where the developer is an author but not the lead author', () => {
    expect(coAuthoredFeatures(features, 'ada')).toBe(2); // pdf, vat
    expect(coAuthoredFeatures(features, 'bob')).toBe(2); // geo, vat
    expect(coAuthoredFeatures(features, 'cy')).toBe(1); // ocr
    expect(coAuthoredFeatures(features, 'eve')).toBe(0);
    expect(coAuthoredFeatures([], 'ada')).toBe(0);
  });

  it('the first listed wins a tie for lead', () => {
    expect(coAuthoredFeatures([{ slug: 'x', authors: [{ id: 'ada', weight: 1 }, { id: 'bob', weight: 1 }] }], 'ada')).toBe(0);
    expect(coAuthoredFeatures([{ slug: 'x', authors: [{ id: 'ada', weight: 1 }, { id: 'bob', weight: 1 }] }], 'bob')).toBe(1);
    expect(coAuthoredFeatures([{ slug: 'x', authors: [{ id: 'bob', weight: 1 }, { id: 'ada', weight: 1 }] }], 'ada')).toBe(1);
  });

  it('counts each slug once', () => {
    expect(coAuthoredFeatures([features[0]!, features[0]!], 'bob')).toBe(1);
  });

  it('every feature has exactly one lead: co-authorships over authors = authors − 1 per feature', () => {
    fc.assert(
      fc.property(fc.array(authorsArb, { maxLength: 10 }), (lists) => {
        const fs = lists.map((authors, i) => ({ slug: `f${i}`, authors }));
        const total = DEVS.reduce((s, id) => s + coAuthoredFeatures(fs, id), 0);
        expect(total).toBe(fs.reduce((s, f) => s + f.authors.length - 1, 0));
      }),
    );
  });
});

describe('unlocks', () => {
  it('ranks levels', () => {
    expect(NAMES.map(levelRank)).toEqual([0, 1, 2, 3, 4]);
    expect(() => levelRank('admin' as LevelName)).toThrow(RangeError);
  });

  it('maintainer and above moderate; only mentors accept requests', () => {
    expect(NAMES.filter(canModerate)).toEqual(['maintainer', 'mentor']);
    expect(NAMES.filter(canAcceptRequests)).toEqual(['mentor']);
  });

  it('permissions never shrink as the level rises', () => {
    for (let i = 1; i < NAMES.length; i++) {
      const [lo, hi] = [NAMES[i - 1]!, NAMES[i]!];
      expect(!canModerate(lo) || canModerate(hi)).toBe(true);
      expect(!canAcceptRequests(lo) || canAcceptRequests(hi)).toBe(true);
    }
  });
});
