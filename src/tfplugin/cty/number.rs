//! Arbitrary-precision numbers as cty carries them.
//!
//! Terraform numbers are big floats, and state files hold numbers that an `f64` cannot represent
//! exactly (30-digit integers, decimal fractions). `Number` keeps the exact decimal value so nothing is
//! lost between what Terraform sends and what the provider sends back.

use std::fmt;
use std::str::FromStr;

use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::BigDecimal;

/// The largest decimal exponent magnitude a parsed `Number` may have (`1e4096` and `1e-4096` are the
/// extremes). It bounds the length of the plain decimal rendering so hostile input cannot make the codecs allocate
/// gigabytes; cty itself never produces anything close to it in practice.
pub const MAX_EXPONENT: i64 = 4096;

/// An exact decimal number. Always stored normalised, so equal values compare, hash and order equal.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(BigDecimal);

impl Number {
    fn from_decimal(d: BigDecimal) -> Number {
        Number(d.normalized())
    }

    /// The number `i`.
    pub fn from_i64(i: i64) -> Self {
        Number::from_decimal(BigDecimal::from(i))
    }

    /// The number `u`.
    pub fn from_u64(u: u64) -> Self {
        Number::from_decimal(BigDecimal::from(u))
    }

    /// The exact binary value of `f` (so `0.1` becomes 0.1000000000000000055511151231257827...), which is
    /// what cty does with a float64 it receives. `None` for NaN and infinities, which `Number` cannot hold.
    pub fn from_f64(f: f64) -> Option<Self> {
        if !f.is_finite() {
            return None;
        }
        if f == 0.0 {
            return Some(Number::from_i64(0));
        }
        let bits = f.to_bits();
        let negative = bits >> 63 == 1;
        let exp_bits = ((bits >> 52) & 0x7ff) as i64;
        let frac = bits & ((1u64 << 52) - 1);
        // The value is mantissa * 2^exp.
        let (mantissa, exp) = if exp_bits == 0 {
            (frac, -1074)
        } else {
            (frac | (1u64 << 52), exp_bits - 1075)
        };
        let mut digits = BigInt::from(mantissa);
        let scale = if exp >= 0 {
            digits <<= exp as usize;
            0
        } else {
            // m * 2^-k == m * 5^k / 10^k.
            let k = (-exp) as u32;
            digits *= BigInt::from(5u8).pow(k);
            k as i64
        };
        if negative {
            digits = -digits;
        }
        Some(Number::from_decimal(BigDecimal::new(digits, scale)))
    }

    /// Parses a decimal number: optional sign, digits with an optional fraction, optional exponent
    /// (`-12`, `+1.5`, `.5`, `1e400`, `1.2345E-7`). Returns `None` for anything else, including NaN and
    /// infinities, and for exponents beyond [`MAX_EXPONENT`].
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        let mut i = 0;
        let negative = match b.first() {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let int_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int_digits = &s[int_start..i];
        let mut frac_digits = "";
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            frac_digits = &s[start..i];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return None;
        }
        let mut exp: i64 = 0;
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            let mut exp_negative = false;
            if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
                exp_negative = b[i] == b'-';
                i += 1;
            }
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                // Saturate instead of overflowing; anything this large is rejected below.
                exp = exp.saturating_mul(10).saturating_add((b[i] - b'0') as i64);
                i += 1;
            }
            if i == start {
                return None;
            }
            // An exponent beyond the bound by more than the digits could make up is out of
            // range whatever the digits; rejecting it here keeps the scale arithmetic below far
            // from i64's limits (a saturated exponent made the normalised scale i64::MIN).
            if exp > MAX_EXPONENT.saturating_add(b.len() as i64) {
                return None;
            }
            if exp_negative {
                exp = -exp;
            }
        }
        if i != b.len() {
            return None;
        }
        let mut all = String::with_capacity(int_digits.len() + frac_digits.len() + 1);
        if negative {
            all.push('-');
        }
        all.push_str(int_digits);
        all.push_str(frac_digits);
        let digits = BigInt::from_str(&all).ok()?;
        let scale = (frac_digits.len() as i64).checked_sub(exp)?;
        let n = Number::from_decimal(BigDecimal::new(digits, scale));
        n.within_bounds().then_some(n)
    }

    /// Whether the normalised scale (the power of ten the digits are divided by) is within
    /// [`MAX_EXPONENT`] either way.
    fn within_bounds(&self) -> bool {
        self.0.as_bigint_and_exponent().1.unsigned_abs() <= MAX_EXPONENT as u64
    }

    /// The value as an `i64`, if it is an integer in range.
    pub fn to_i64(&self) -> Option<i64> {
        i64::try_from(self.to_bigint()?).ok()
    }

    /// The value as a `u64`, if it is a non-negative integer in range.
    pub fn to_u64(&self) -> Option<u64> {
        u64::try_from(self.to_bigint()?).ok()
    }

    /// The integer value, if this is an integer small enough that converting it is cheap (at most 40
    /// digits); used for the fixed-width conversions.
    fn to_bigint(&self) -> Option<BigInt> {
        let (digits, exp) = self.0.as_bigint_and_exponent();
        if exp > 0 {
            return None;
        }
        if -exp > 40 {
            return None;
        }
        Some(digits * BigInt::from(10u8).pow((-exp) as u32))
    }

    /// The nearest `f64` (infinite when out of range).
    pub fn to_f64(&self) -> f64 {
        f64::from_str(&self.to_string()).unwrap_or(f64::NAN)
    }

    /// The value as an `f64` if that conversion is exact.
    pub fn to_f64_exact(&self) -> Option<f64> {
        let f = self.to_f64();
        match Number::from_f64(f) {
            Some(back) if back == *self => Some(f),
            _ => None,
        }
    }

    /// Whether the value is a whole number.
    pub fn is_integer(&self) -> bool {
        self.0.as_bigint_and_exponent().1 <= 0
    }

    /// The underlying decimal.
    pub fn as_bigdecimal(&self) -> &BigDecimal {
        &self.0
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        Number::from_i64(i)
    }
}

impl From<u64> for Number {
    fn from(u: u64) -> Self {
        Number::from_u64(u)
    }
}

impl fmt::Display for Number {
    /// Plain decimal notation without an exponent: `1`, `-1.5`, `123456789012345678901234567890`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (digits, scale) = self.0.as_bigint_and_exponent();
        let negative = digits.sign() == Sign::Minus;
        let mag = digits.magnitude().to_string();
        if negative {
            f.write_str("-")?;
        }
        if scale <= 0 {
            f.write_str(&mag)?;
            if mag != "0" {
                for _ in 0..(-scale) {
                    f.write_str("0")?;
                }
            }
            Ok(())
        } else {
            let scale = scale as usize;
            if mag.len() > scale {
                let (int, frac) = mag.split_at(mag.len() - scale);
                write!(f, "{int}.{frac}")
            } else {
                f.write_str("0.")?;
                for _ in 0..(scale - mag.len()) {
                    f.write_str("0")?;
                }
                f.write_str(&mag)
            }
        }
    }
}
