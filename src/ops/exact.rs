//! Exact summation: [`ExactSum`], a superaccumulator that adds `f64` values without rounding,
//! and [`Summation`], a vector's choice between it and the fast blocked sums.
//!
//! Floating-point addition is not associative, so a sum's bits depend on the order of its
//! additions: on how a vector is cut into threads' blocks and processes' blocks. The fixed
//! reduction tree of the [`kernels`](super::kernels) makes the order independent of threads for
//! one process; across processes the blocks move with the process count. An exact sum has no
//! order: every value is added into one wide fixed-point integer (2⁻¹⁰⁷⁴ up to beyond
//! `f64::MAX`, in 32-bit digits held in `i64`s so that carries can wait), integer addition is
//! associative, and the total is rounded once, to nearest. Partial accumulators of threads or
//! processes add digit by digit (an `MPI_Allreduce` of integers), so the result is bitwise
//! the same for any split of the data, and it is the correctly rounded sum: more accurate than
//! any ordered floating-point sum.
//!
//! The price is work per element: a handful of integer operations instead of one add (see the
//! `ops/exact` benchmark). A vector opts in with [`Summation::Exact`]
//! ([`Reproducible`](crate::adapters::Reproducible) wraps any vector).
//!
//! ```
//! use rvf::ops::ExactSum;
//! let mut s = ExactSum::new();
//! for v in [1e100, 1.0, -1e100, 1e-100] {
//!     s.add(v);
//! }
//! // Every other order of the same four values gives these bits too.
//! assert_eq!(s.round(), 1.0 + 1e-100);
//! ```

use super::local::Local;
use crate::Real;

/// How a vector's reductions (inner products, norms, sums) add their terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum Summation {
    /// Lanes, fixed blocks and a fixed tree ([`kernels`](super::kernels)): fast, and bitwise
    /// independent of threads and storage layout; across processes the bits depend on the
    /// process count.
    #[default]
    Blocked,
    /// Exactly ([`ExactSum`]), rounded once: bitwise independent of threads, layout and the
    /// number of processes, and correctly rounded (for `f32`, the `f64` rounding rounded
    /// again).
    Exact,
}

/// Number of 32-bit digits: bit offsets 0 … 2045 of the mantissas' lowest bits (exponents of
/// subnormals and normals), 53 + 31 bits of a shifted mantissa above that, and a top digit with
/// room for the carries of any realistic number of terms.
const DIGITS: usize = 68;

/// Length of [`ExactSum::to_words`]: the digits and three flags (`+∞`, `−∞`, NaN).
pub const WORDS: usize = DIGITS + 3;

/// Adds between carry normalisations: each add puts less than 2³² into a digit, so an `i64`
/// digit takes 2³¹ of them before it could overflow; half that leaves room for merges.
const ADDS_BEFORE_CARRY: u32 = 1 << 30;

/// Values per [`ExactSum::add_chunk`]: each of the two bin banks gets half of them, 2¹⁰
/// mantissas below 2⁵³, which a `u64` bin holds.
const CHUNK: usize = 2048;

/// Bins per bank: one per sign and biased exponent.
const BIN_BANK: usize = 4096;

std::thread_local! {
    /// Two banks of bins, zero between uses (a chunk takes out what it put in).
    static BINS: core::cell::RefCell<Box<[u64; 2 * BIN_BANK]>> =
        core::cell::RefCell::new(Box::new([0; 2 * BIN_BANK]));
}

const DIGIT_BITS: u32 = 32;
const DIGIT_MASK: i64 = (1 << DIGIT_BITS) - 1;

/// The exact sum of `f64` values, rounded to nearest (ties to even) only when asked
/// ([`round`](Self::round)): a superaccumulator of 68 32-bit digits from 2⁻¹⁰⁷⁴ up.
///
/// Adding is order-free: any order of the same values, and any split into accumulators later
/// [`merge`](Self::merge)d, gives the same state after [`normalize`](Self::normalize), so the
/// same rounded result. Infinities and NaNs are kept aside and win as in IEEE arithmetic
/// (`+∞ + −∞` is NaN). The sum of values that cancel exactly is `+0.0`. For `f32`, values are
/// widened to `f64` exactly and the rounded `f64` sum is rounded again to `f32`.
///
/// ```
/// use rvf::ops::ExactSum;
/// let values: Vec<f64> = (1..=1000).map(|i| 1.0 / i as f64).collect();
/// let mut forward = ExactSum::new();
/// values.iter().for_each(|&v| forward.add(v));
/// let (mut left, mut right) = (ExactSum::new(), ExactSum::new());
/// values[..300].iter().rev().for_each(|&v| left.add(v));
/// values[300..].iter().for_each(|&v| right.add(v));
/// left.merge(&right);
/// assert_eq!(left.round().to_bits(), forward.round().to_bits());
/// ```
#[derive(Clone, Debug)]
pub struct ExactSum {
    digits: [i64; DIGITS],
    adds: u32,
    /// The sum of the infinities and NaNs added (0 if none).
    special: f64,
}

impl Default for ExactSum {
    fn default() -> Self {
        Self::new()
    }
}

impl ExactSum {
    /// Zero.
    #[inline]
    pub const fn new() -> Self {
        Self {
            digits: [0; DIGITS],
            adds: 0,
            special: 0.0,
        }
    }

    /// Adds `v` exactly.
    #[inline]
    pub fn add(&mut self, v: f64) {
        if self.adds >= ADDS_BEFORE_CARRY {
            self.normalize();
        }
        self.adds += 1;
        self.deposit(v);
    }

    /// Adds a value of any [`Real`] type exactly (`f32` widens to `f64` without rounding).
    #[inline]
    pub fn add_real<S: Real>(&mut self, v: S) {
        self.add(v.to_f64().unwrap_or(f64::NAN));
    }

    /// Adds every value of `values` (in runs of 2048 through [`add_slice`](Self::add_slice)).
    pub fn add_all(&mut self, values: impl IntoIterator<Item = f64>) {
        let mut values = values.into_iter();
        let mut chunk = [0.0f64; CHUNK];
        loop {
            let mut n = 0;
            for (slot, v) in chunk.iter_mut().zip(&mut values) {
                *slot = v;
                n += 1;
            }
            self.add_slice(&chunk[..n]);
            if n < CHUNK {
                return;
            }
        }
    }

    /// Adds every value of `values`, the fast way for long runs.
    ///
    /// Depositing each value into three digits ([`add`](Self::add)) costs ~25 integer
    /// operations and three dependent read–modify–writes. Here each value's 53-bit mantissa is
    /// added, as an integer, to a bin for its sign and exponent (Neal's "large
    /// superaccumulator", arXiv:1505.05571), and every 2048 values only the bins of the
    /// groups of 32 exponents seen are deposited. A `u64` bin holds 2¹⁰ mantissas below 2⁵³, so the bins
    /// come in two banks taking alternate values (which also breaks the store-to-load chain of
    /// equal exponents in a row), each at most 1024 per chunk. The banks live in a
    /// per-thread buffer kept zero between uses, so a short sum does not clear 64 KiB.
    pub fn add_slice(&mut self, values: &[f64]) {
        if values.is_empty() {
            return;
        }
        let done = BINS
            .try_with(|cell| match cell.try_borrow_mut() {
                Ok(mut bins) => {
                    values
                        .chunks(CHUNK)
                        .for_each(|c| self.add_chunk(c, &mut bins));
                    true
                }
                Err(_) => false,
            })
            .unwrap_or(false);
        if !done {
            // Re-entered (a user's map that itself sums exactly) or called while the thread's
            // locals are torn down: fresh banks.
            let mut bins = Box::new([0; 2 * BIN_BANK]);
            values
                .chunks(CHUNK)
                .for_each(|c| self.add_chunk(c, &mut bins));
        }
    }

    fn add_chunk(&mut self, chunk: &[f64], bins: &mut [u64; 2 * BIN_BANK]) {
        debug_assert!(chunk.len() <= CHUNK);
        let (even, odd) = bins.split_at_mut(BIN_BANK);
        let even: &mut [u64; BIN_BANK] = even.try_into().expect("bank size");
        let odd: &mut [u64; BIN_BANK] = odd.try_into().expect("bank size");
        // The exponents seen, by groups of 32: bit g set if an exponent in 32g … 32g + 31
        // occurred (a shift and a bit set per value, against a min and a max with their
        // compares; the deposit then visits 32 exponents per group seen).
        let mut groups = 0u64;
        let mut bin = |bank: &mut [u64; BIN_BANK], v: f64| {
            let bits = v.to_bits();
            // Sign and exponent: 12 bits, so always inside the 4096-entry bank.
            let index = bits >> 52;
            let e = index & 0x7ff;
            groups |= 1 << (e >> 5);
            // The hidden bit, for e ≥ 1 only, without a branch: bit 11 of e + 2047.
            let hidden = ((e + 0x7ff) & 0x800) << 41;
            bank[index as usize & (BIN_BANK - 1)] += (bits & ((1 << 52) - 1)) | hidden;
        };
        let pairs = chunk.chunks_exact(2);
        if let [last] = pairs.remainder() {
            bin(even, *last);
        }
        for pair in pairs {
            bin(even, pair[0]);
            bin(odd, pair[1]);
        }
        if groups >> 63 != 0 {
            // Perhaps infinities or NaNs (exponent 0x7ff): their bins hold no number. Keep the
            // values aside.
            for sign in [0, 2048] {
                even[sign + 0x7ff] = 0;
                odd[sign + 0x7ff] = 0;
            }
            for &v in chunk.iter().filter(|v| !v.is_finite()) {
                self.special += v;
            }
        }
        self.deposit_bins(even, odd, groups);
    }

    /// Deposits (and clears) the bins of both signs and banks for the finite exponents of the
    /// groups set in `groups` (bit g: exponents 32g … 32g + 31).
    fn deposit_bins(&mut self, even: &mut [u64; BIN_BANK], odd: &mut [u64; BIN_BANK], groups: u64) {
        let mut left = groups;
        while left != 0 {
            let g = left.trailing_zeros() as usize;
            left &= left - 1;
            for sign in [0, 2048] {
                for e in 32 * g..(32 * g + 32).min(0x7ff) {
                    for bank in [&mut *even, &mut *odd] {
                        let m = core::mem::take(&mut bank[sign + e]);
                        if m != 0 {
                            if self.adds >= ADDS_BEFORE_CARRY {
                                self.normalize();
                            }
                            self.adds += 1;
                            self.deposit_magnitude(m, (e as u32).max(1) - 1, sign != 0);
                        }
                    }
                }
            }
        }
    }

    /// `v` into the digits (infinities and NaNs aside).
    #[inline(always)]
    fn deposit(&mut self, v: f64) {
        let bits = v.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as u32;
        if biased == 0x7ff {
            self.special += v;
            return;
        }
        let fraction = bits & ((1 << 52) - 1);
        // Normals carry the hidden bit; subnormals share the lowest normal's scale.
        let (mantissa, offset) = if biased == 0 {
            (fraction, 0)
        } else {
            (fraction | (1 << 52), biased - 1)
        };
        self.deposit_magnitude(mantissa, offset, bits >> 63 != 0);
    }

    /// `±m·2^(offset−1074)`, `m < 2⁶⁴`, into the three digits the shifted `m` covers (each gets
    /// less than 2³² in magnitude).
    #[inline(always)]
    fn deposit_magnitude(&mut self, m: u64, offset: u32, negative: bool) {
        let k = (offset / DIGIT_BITS) as usize;
        let shifted = u128::from(m) << (offset % DIGIT_BITS);
        let lo = (shifted as u64 & DIGIT_MASK as u64) as i64;
        let mid = ((shifted >> DIGIT_BITS) as u64 & DIGIT_MASK as u64) as i64;
        let hi = (shifted >> (2 * DIGIT_BITS)) as i64;
        let (lo, mid, hi) = if negative {
            (-lo, -mid, -hi)
        } else {
            (lo, mid, hi)
        };
        self.digits[k] += lo;
        self.digits[k + 1] += mid;
        self.digits[k + 2] += hi;
    }

    /// Adds another accumulator's exact sum to this one.
    pub fn merge(&mut self, other: &ExactSum) {
        self.normalize();
        let mut other = other.clone();
        other.normalize();
        for (d, o) in self.digits.iter_mut().zip(&other.digits) {
            *d += o;
        }
        self.special += other.special;
        // Each normalised digit is below 2³², so the sum is below 2³³: well inside the budget.
        self.adds = 2;
    }

    /// Propagates the carries: every digit but the top one ends in `0 … 2³² − 1`; the top one
    /// holds the sign. The value is unchanged; two accumulators of equal value have equal
    /// normalised digits.
    pub fn normalize(&mut self) {
        for i in 0..DIGITS - 1 {
            let carry = self.digits[i] >> DIGIT_BITS;
            self.digits[i] -= carry << DIGIT_BITS;
            self.digits[i + 1] += carry;
        }
        self.adds = 0;
    }

    /// The state as integers, for sending to other processes: the normalised digits (least
    /// significant first), then whether a `+∞`, a `−∞` and a NaN were added (0 or 1 each). The
    /// element-wise integer sum of several accumulators' words (an `MPI_Allreduce` with
    /// `MPI_SUM` on `i64`s), given to [`from_words`](Self::from_words), is the accumulator of
    /// all their values: exact, and independent of the order of the integer additions.
    pub fn to_words(&self) -> [i64; WORDS] {
        let mut s = self.clone();
        s.normalize();
        let mut words = [0; WORDS];
        words[..DIGITS].copy_from_slice(&s.digits);
        let special = self.special;
        words[DIGITS] = i64::from(special == f64::INFINITY);
        words[DIGITS + 1] = i64::from(special == f64::NEG_INFINITY);
        words[DIGITS + 2] = i64::from(special.is_nan());
        words
    }

    /// The accumulator with these words (see [`to_words`](Self::to_words); the digits need
    /// not be normalised — sums of up to 2³⁰ accumulators' words are fine — and the flags may
    /// be counts).
    pub fn from_words(words: [i64; WORDS]) -> Self {
        let mut s = Self::new();
        s.digits.copy_from_slice(&words[..DIGITS]);
        let (pos, neg, nan) = (
            words[DIGITS] > 0,
            words[DIGITS + 1] > 0,
            words[DIGITS + 2] > 0,
        );
        s.special = match (pos, neg) {
            _ if nan => f64::NAN,
            (true, true) => f64::NAN,
            (true, false) => f64::INFINITY,
            (false, true) => f64::NEG_INFINITY,
            (false, false) => 0.0,
        };
        s.normalize();
        s
    }

    /// The exact sum rounded to the nearest `f64` (ties to even; `±∞` beyond `f64::MAX`).
    pub fn round(&self) -> f64 {
        if self.special != 0.0 || self.special.is_nan() {
            return self.special;
        }
        let mut d = self.clone();
        d.normalize();
        let negative = d.digits[DIGITS - 1] < 0;
        if negative {
            for x in &mut d.digits {
                *x = -*x;
            }
            d.normalize();
        }
        let Some(top) = d.digits.iter().rposition(|&x| x != 0) else {
            return 0.0;
        };
        // The top three digits hold at least 65 significant bits (the top one is nonzero), so
        // one cast rounds correctly once any nonzero digit below them is folded into the
        // lowest bit as a sticky bit (it can only break a tie, which needs more than 53 bits).
        let base = top.saturating_sub(2);
        let mut window: u128 = 0;
        for (j, &x) in d.digits[base..=top].iter().enumerate() {
            window += (x as u128) << (DIGIT_BITS as usize * j);
        }
        if d.digits[..base].iter().any(|&x| x != 0) {
            window |= 1;
        }
        // A result below 2⁻¹⁰²² is an integer below 2⁵² in units of 2⁻¹⁰⁷⁴ (top ≤ 1, base 0):
        // exact in the cast and in the scaling, so subnormal results are never rounded twice.
        let magnitude =
            scale_by_power_of_two(window as f64, DIGIT_BITS as i32 * base as i32 - 1074);
        if negative {
            -magnitude
        } else {
            magnitude
        }
    }

    /// The rounded sum as a [`Real`] (for `f32`: the `f64` rounding, rounded again).
    #[inline]
    pub fn rounded<S: Real>(&self) -> S {
        S::from_f64_lossy(self.round())
    }
}

/// `Σ f(xᵢ, yᵢ)` into an exact accumulator: the local part of an exact inner product. The
/// views must have equal length.
pub fn exact_reduce2<S: Real>(x: Local<'_, S>, y: Local<'_, S>, f: impl Fn(S, S) -> S) -> ExactSum {
    debug_assert_eq!(x.len(), y.len());
    let mut s = ExactSum::new();
    let wide = |v: S| v.to_f64().unwrap_or(f64::NAN);
    match (x, y) {
        (Local::Contiguous(a), Local::Contiguous(b)) => {
            // The terms of a chunk first (a vectorised loop), then the chunk into the bins.
            let mut terms = [0.0f64; CHUNK];
            for (a, b) in a.chunks(CHUNK).zip(b.chunks(CHUNK)) {
                let terms = &mut terms[..a.len()];
                for ((t, &p), &q) in terms.iter_mut().zip(a).zip(b) {
                    *t = wide(f(p, q));
                }
                s.add_slice(terms);
            }
        }
        (x, y) => s.add_all(x.iter().zip(y.iter()).map(|(&p, &q)| wide(f(p, q)))),
    }
    s
}

/// `Σ f(xᵢ)` into an exact accumulator.
pub fn exact_reduce1<S: Real>(x: Local<'_, S>, f: impl Fn(S) -> S) -> ExactSum {
    exact_reduce2(x, x, |p, _| f(p))
}

/// `x·2^p` for `p ≥ −1074`, exact unless the result overflows (then `±∞`).
fn scale_by_power_of_two(x: f64, p: i32) -> f64 {
    let power = |e: i32| -> f64 {
        if e >= -1022 {
            f64::from_bits(((e + 1023) as u64) << 52)
        } else {
            f64::from_bits(1u64 << (e + 1074))
        }
    };
    if p > 1023 {
        x * power(1023) * power(p - 1023)
    } else {
        x * power(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(values: &[f64]) -> f64 {
        let mut s = ExactSum::new();
        values.iter().for_each(|&v| s.add(v));
        s.round()
    }

    /// A small deterministic generator (xorshift), so the tests need no dependency.
    fn values(n: usize, seed: u64, spread: i32) -> Vec<f64> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let m = (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                let e = (x % (2 * spread as u64 + 1)) as i32 - spread;
                m * 2f64.powi(e)
            })
            .collect()
    }

    /// The exact sum of values that are integers times 2⁻⁶⁰ with magnitude below 2⁴⁰, computed
    /// in `i128` and rounded by the integer-to-float cast: an answer independent of the
    /// accumulator.
    #[test]
    fn matches_integer_arithmetic_on_fixed_point_values() {
        for seed in 1..40 {
            let raw = values(2000, seed, 40);
            let ints: Vec<i128> = raw
                .iter()
                .map(|v| (v * 2f64.powi(60)).round() as i128)
                .collect();
            let vals: Vec<f64> = ints.iter().map(|&i| i as f64 * 2f64.powi(-60)).collect();
            // The values are exactly representable (|i| < 2¹⁰⁰ but with ≤ 53 significant
            // bits after the cast back): recompute the integers from them.
            let total: i128 = vals.iter().map(|v| (v * 2f64.powi(60)) as i128).sum();
            let reference = total as f64 * 2f64.powi(-60);
            assert_eq!(exact(&vals).to_bits(), reference.to_bits(), "seed {seed}");
        }
    }

    #[test]
    fn any_order_and_any_split_give_the_same_bits() {
        let vals = values(10_000, 7, 300);
        let forward = exact(&vals);
        let mut reversed = vals.clone();
        reversed.reverse();
        assert_eq!(exact(&reversed).to_bits(), forward.to_bits());
        for parts in [2, 3, 7, 64] {
            let mut total = ExactSum::new();
            for chunk in vals.chunks(vals.len().div_ceil(parts)) {
                let mut s = ExactSum::new();
                chunk.iter().for_each(|&v| s.add(v));
                total.merge(&s);
            }
            assert_eq!(total.round().to_bits(), forward.to_bits(), "{parts} parts");
        }
        // Digit-wise integer sums of the parts, as an all-reduce makes them.
        let (a, b) = vals.split_at(4321);
        let (mut sa, mut sb) = (ExactSum::new(), ExactSum::new());
        a.iter().for_each(|&v| sa.add(v));
        b.iter().for_each(|&v| sb.add(v));
        let (wa, wb) = (sa.to_words(), sb.to_words());
        let words = core::array::from_fn(|i| wa[i] + wb[i]);
        assert_eq!(
            ExactSum::from_words(words).round().to_bits(),
            forward.to_bits()
        );
        // The flags travel too.
        let mut inf = ExactSum::new();
        inf.add(f64::INFINITY);
        let mut ninf = ExactSum::new();
        ninf.add(f64::NEG_INFINITY);
        let one = |s: &ExactSum| ExactSum::from_words(s.to_words()).round();
        assert_eq!(one(&inf), f64::INFINITY);
        assert_eq!(one(&ninf), f64::NEG_INFINITY);
        let (wi, wn) = (inf.to_words(), ninf.to_words());
        assert!(
            ExactSum::from_words(core::array::from_fn(|i| wi[i] + wn[i]))
                .round()
                .is_nan()
        );
    }

    #[test]
    fn cancellation_keeps_what_float_addition_loses() {
        assert_eq!(exact(&[1e100, 1.0, -1e100]), 1.0);
        assert_eq!(exact(&[1.0, 1e-30, -1.0]), 1e-30);
        assert_eq!(exact(&[0.1, 0.2, -0.3]), {
            // 0.1 + 0.2 − 0.3 in exact binary arithmetic: 2⁻⁵⁵ + 2⁻⁵⁷ … computed by hand as
            // the difference of the exact binary values of the three doubles.
            let (a, b, c) = (0.1f64, 0.2f64, 0.3f64);
            let scale = 2f64.powi(56);
            let (ia, ib, ic) = (
                (a * scale) as i128,
                (b * scale) as i128,
                (c * scale) as i128,
            );
            (ia + ib - ic) as f64 / scale
        });
        assert_eq!(exact(&[3.5, -3.5]).to_bits(), 0.0f64.to_bits());
        assert_eq!(exact(&[]).to_bits(), 0.0f64.to_bits());
    }

    #[test]
    fn rounds_to_nearest_with_ties_to_even() {
        let ulp = 2f64.powi(-52);
        // 1 + ulp/2 is a tie: to even (1.0); a little more rounds up.
        assert_eq!(exact(&[1.0, ulp / 2.0]), 1.0);
        assert_eq!(exact(&[1.0, ulp / 2.0, 1e-300]), 1.0 + ulp);
        assert_eq!(exact(&[1.0 + ulp, ulp / 2.0]), 1.0 + 2.0 * ulp);
        assert_eq!(exact(&[-1.0, -ulp / 2.0, -1e-300]), -1.0 - ulp);
    }

    #[test]
    fn subnormals_extremes_and_specials() {
        let tiny = f64::from_bits(1);
        assert_eq!(exact(&[tiny, tiny, tiny]), 3.0 * tiny);
        assert_eq!(exact(&[f64::MIN_POSITIVE, -tiny]), f64::MIN_POSITIVE - tiny);
        assert_eq!(exact(&[f64::MAX, f64::MAX]), f64::INFINITY);
        assert_eq!(exact(&[f64::MAX, f64::MAX, -f64::MAX]), f64::MAX);
        assert_eq!(exact(&[-f64::MAX, -f64::MAX]), f64::NEG_INFINITY);
        assert_eq!(exact(&[f64::INFINITY, 1.0]), f64::INFINITY);
        assert!(exact(&[f64::INFINITY, f64::NEG_INFINITY]).is_nan());
        assert!(exact(&[1.0, f64::NAN]).is_nan());
        let mut many = ExactSum::new();
        many.add_all(core::iter::repeat_n(f64::MAX, 1000));
        many.add_all(core::iter::repeat_n(-f64::MAX, 999));
        assert_eq!(many.round(), f64::MAX);
    }

    #[test]
    fn binned_runs_agree_with_one_by_one_adds() {
        let tiny = f64::from_bits(3);
        for (seed, spread) in [(3, 30), (5, 600), (9, 1000)] {
            let mut vals = values(5000, seed, spread);
            // Zeros, subnormals below 2⁻¹⁰⁴² and at the normal boundary, mixed in.
            for (i, v) in vals.iter_mut().enumerate().step_by(97) {
                *v = [0.0, tiny, -tiny, f64::MIN_POSITIVE / 3.0][i % 4];
            }
            let mut run = ExactSum::new();
            run.add_all(vals.iter().copied());
            assert_eq!(run.round().to_bits(), exact(&vals).to_bits(), "seed {seed}");
            // The bins are left empty: a second run starts clean.
            let mut again = ExactSum::new();
            again.add_all([1.5, -0.25]);
            assert_eq!(again.round(), 1.25);
        }
        let run = |v: &[f64]| {
            let mut s = ExactSum::new();
            s.add_all(v.iter().copied());
            s.round()
        };
        assert_eq!(run(&[1.0, f64::INFINITY, 2.0]), f64::INFINITY);
        assert_eq!(run(&[-1.0, f64::NEG_INFINITY]), f64::NEG_INFINITY);
        assert!(run(&[f64::INFINITY, 3.0, f64::NEG_INFINITY]).is_nan());
        assert!(run(&[0.5, f64::NAN, 1.0]).is_nan());
        assert!(run(&[-f64::NAN]).is_nan());
        assert_eq!(run(&[7.0, 1e-300, -7.0]), 1e-300);
    }

    /// Summing from another thread-local's destructor (when the bins may already be gone)
    /// still works, with fresh banks.
    #[test]
    fn sums_in_thread_local_destructors_do_not_abort() {
        struct SumsOnDrop;
        impl Drop for SumsOnDrop {
            fn drop(&mut self) {
                let mut s = ExactSum::new();
                s.add_slice(&[1e100, 1.0, -1e100]);
                assert_eq!(s.round(), 1.0);
            }
        }
        std::thread_local! {
            static GUARD: SumsOnDrop = const { SumsOnDrop };
        }
        std::thread::spawn(|| {
            let mut s = ExactSum::new();
            s.add_slice(&[2.0, 3.0]); // the bins exist
            GUARD.with(|_| {});
        })
        .join()
        .expect("the destructor's sum neither panics nor aborts");
    }

    #[test]
    fn f32_values_round_through_f64() {
        let mut s = ExactSum::new();
        for v in [1.0f32, 1e-8, -1.0] {
            s.add_real(v);
        }
        assert_eq!(s.rounded::<f32>(), 1e-8f32);
    }

    #[test]
    fn normalisation_keeps_long_sums_exact() {
        // Enough adds to force carry passes inside add_all (ADDS_BEFORE_CARRY is large, so
        // start the budget nearly spent).
        let mut s = ExactSum::new();
        s.adds = ADDS_BEFORE_CARRY - 5;
        s.add_all(core::iter::repeat_n(0.75, 20));
        s.add(0.25);
        assert_eq!(s.round(), 15.25);
    }
}
