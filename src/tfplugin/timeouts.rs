//! The standard `timeouts` block: per-operation time limits written as Go durations ("60m",
//! "1h30m"), as every azurerm user knows them. Terraform has no RPC deadlines; these are ours.

use std::time::Duration;

use super::cty::{Path, Type, Value};
use super::diagnostics::Diagnostics;
use super::schema::{Attribute, Block, NestedBlock, Nesting, Validator};

/// The operations a timeout applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// Creating the remote object.
    Create,
    /// Reading (refresh, import).
    Read,
    /// Updating in place.
    Update,
    /// Deleting.
    Delete,
}

impl Operation {
    /// The attribute name in the `timeouts` block.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Read => "read",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }
}

/// Default time limits of a resource, one per operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Create limit.
    pub create: Duration,
    /// Read limit.
    pub read: Duration,
    /// Update limit.
    pub update: Duration,
    /// Delete limit.
    pub delete: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts::minutes(30, 5, 30, 30)
    }
}

impl Timeouts {
    /// Defaults in whole minutes.
    pub const fn minutes(create: u64, read: u64, update: u64, delete: u64) -> Self {
        Timeouts {
            create: Duration::from_secs(create * 60),
            read: Duration::from_secs(read * 60),
            update: Duration::from_secs(update * 60),
            delete: Duration::from_secs(delete * 60),
        }
    }

    /// The default for one operation.
    pub fn default_for(&self, op: Operation) -> Duration {
        match op {
            Operation::Create => self.create,
            Operation::Read => self.read,
            Operation::Update => self.update,
            Operation::Delete => self.delete,
        }
    }

    /// The limit for `op`: the resource object's `timeouts` block if it sets one, else the
    /// default. Invalid durations were rejected at validation, so they fall back to the default.
    pub fn effective(&self, op: Operation, object: &Value) -> Duration {
        object
            .get(BLOCK_NAME)
            .and_then(|t| t.get(op.name()))
            .and_then(Value::as_str)
            .and_then(|s| parse_duration(s).ok())
            .unwrap_or_else(|| self.default_for(op))
    }

    /// The `timeouts` nested block, documenting these defaults.
    pub fn block(&self) -> NestedBlock {
        let ops = [
            Operation::Create,
            Operation::Read,
            Operation::Update,
            Operation::Delete,
        ];
        let mut block = Block::new(
            "Time limits for each operation, as durations such as `\"30m\"` or `\"1h30m\"`.",
        );
        for op in ops {
            let description = format!(
                "How long {} may take (default `{}`).",
                match op {
                    Operation::Create => "creating",
                    Operation::Read => "reading",
                    Operation::Update => "updating",
                    Operation::Delete => "deleting",
                },
                format_duration(self.default_for(op))
            );
            block = block.attribute(
                Attribute::optional(op.name(), Type::String, &description)
                    .validate(Validator::Custom(validate_duration)),
            );
        }
        NestedBlock::new(BLOCK_NAME, Nesting::Single, block)
    }
}

/// The name of the standard block.
pub const BLOCK_NAME: &str = "timeouts";

fn validate_duration(value: &Value) -> Result<(), String> {
    match value.as_str() {
        Some(s) => parse_duration(s).map(|_| ()),
        None => Ok(()),
    }
}

/// Checks the `timeouts` block of a configuration, reporting bad durations at their attribute.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let Some(block) = config.get(BLOCK_NAME) else {
        return;
    };
    for op in ["create", "read", "update", "delete"] {
        if let Some(s) = block.get(op).and_then(Value::as_str) {
            if let Err(message) = parse_duration(s) {
                diags.error_at(
                    Path::root().attr(BLOCK_NAME).attr(op),
                    "Invalid duration",
                    message,
                );
            }
        }
    }
}

/// Parses a Go-style duration: a sequence of decimal numbers with units h, m, s, ms
/// ("1h30m", "90s", "1.5h"). Zero and negative durations are refused.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let explain = || {
        format!(
            "{input:?} is not a duration. Write a number followed by a unit (h, m, s or ms), \
             for example \"30m\", \"1h30m\" or \"90s\"."
        )
    };
    let s = input.trim();
    if s.is_empty() {
        return Err(explain());
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(explain)?;
        if digits == 0 {
            return Err(explain());
        }
        let number: f64 = rest[..digits].parse().map_err(|_| explain())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return Err(explain()),
        };
        rest = &rest[unit_len..];
        total += number * seconds;
    }
    if total <= 0.0 || !total.is_finite() || total > 1.0e9 {
        return Err(format!(
            "{input:?} must be a positive duration such as \"30m\"."
        ));
    }
    Ok(Duration::from_secs_f64(total))
}

/// Formats a duration the way users write them ("1h30m", "5m", "45s").
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Option<u64>) {
        let got = parse_duration(input).ok().map(|d| d.as_millis() as u64);
        assert_eq!(got, expected, "parse_duration({input:?})");
    }

    #[test]
    fn parses_go_durations() {
        check("30m", Some(1_800_000));
        check("1h30m", Some(5_400_000));
        check("90s", Some(90_000));
        check("1.5h", Some(5_400_000));
        check("250ms", Some(250));
        check(" 5m ", Some(300_000));
        check("", None);
        check("m", None);
        check("10", None);
        check("10 minutes", None);
        check("-5m", None);
        check("0s", None);
        check("5d", None);
    }

    #[test]
    fn formats_durations() {
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format_duration(Duration::from_secs(300)), "5m");
        assert_eq!(format_duration(Duration::from_secs(45)), "45s");
        assert_eq!(format_duration(Duration::from_secs(0)), "0s");
    }
}
