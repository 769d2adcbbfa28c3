//! Logs as Terraform wants them: hclog JSON lines on stderr, and a crash report it recognises.
//!
//! Terraform reads the provider's stderr line by line and re-logs JSON lines with `@level`,
//! `@message`, `@timestamp` (exactly six fractional digits) and `@module` as its own, filtered by
//! `TF_LOG_PROVIDER` or `TF_LOG`. A non-string `@level` or `@message` crashes Terraform, so both are
//! always strings here. Lines starting with `panic: ` are collected and shown as "The plugin
//! crashed!", which is what the panic hook writes for a panic nobody catches.

#![deny(clippy::print_stdout)]

use std::fmt::Write as _;
use std::future::Future;
use std::io::Write as _;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::Layer;

/// The crate's own log target prefix; events from dependencies are capped at WARN.
const OWN_TARGET: &str = "terraform_provider_aml";

/// The timestamp layout go-plugin parses: `2006-01-02T15:04:05.000000Z07:00`.
const TIMESTAMP: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
);

/// The level asked for by `TF_LOG_PROVIDER`, else `TF_LOG`; off when neither is set.
pub fn level_from_env() -> LevelFilter {
    let setting = ["TF_LOG_PROVIDER", "TF_LOG"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()));
    setting.map_or(LevelFilter::OFF, |value| parse_level(&value))
}

/// Maps a `TF_LOG` value to a level the way Terraform does: `json` means trace, and an
/// unrecognised value also means trace.
pub fn parse_level(value: &str) -> LevelFilter {
    match value.trim().to_ascii_lowercase().as_str() {
        "off" => LevelFilter::OFF,
        "error" => LevelFilter::ERROR,
        "warn" => LevelFilter::WARN,
        "info" => LevelFilter::INFO,
        "debug" => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// Installs the global subscriber writing hclog JSON to stderr at `level` (dependencies at most
/// WARN). Does nothing when `level` is off, so that an unlogged run pays nothing.
pub fn init(level: LevelFilter) {
    if level == LevelFilter::OFF {
        return;
    }
    let filter = tracing_subscriber::filter::filter_fn(move |metadata| {
        enabled(
            metadata.target(),
            metadata.module_path(),
            *metadata.level(),
            level,
        )
    });
    // An error means a subscriber is installed already (e.g. in tests); keep that one.
    let _ = tracing_subscriber::registry()
        .with(HclogLayer.with_filter(filter))
        .with(level)
        .try_init();
}

/// Whether an event passes at `level`: the crate's own events (by target, or by module path when
/// an event names a short target of its own such as `arm`) up to `level`, dependencies' events up
/// to WARN.
fn enabled(
    target: &str,
    module_path: Option<&str>,
    event: tracing::Level,
    level: LevelFilter,
) -> bool {
    let own = |s: &str| s == OWN_TARGET || s.starts_with("terraform_provider_aml::");
    let cap = if own(target) || module_path.is_some_and(own) {
        level
    } else {
        level.min(LevelFilter::WARN)
    };
    cap >= event
}

/// Installs a panic hook that prints a crash report Terraform recognises (`panic: <message>`,
/// then the location and a backtrace) for panics outside [`with_caught_panics`]. Panics inside it
/// are logged as an ERROR event instead, since the caller turns them into a diagnostic.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = panic_message(info.payload());
        let location = info
            .location()
            .map_or_else(String::new, |l| format!("{}:{}", l.file(), l.line()));
        let backtrace = std::backtrace::Backtrace::force_capture();
        if PANICS_CAUGHT.try_with(|_| ()).is_ok() {
            tracing::error!(%location, %backtrace, "panic (caught and reported as a diagnostic): {message}");
            return;
        }
        let thread = std::thread::current();
        let report = format!(
            "panic: {message}\n\nthread: {}\nlocation: {location}\n\n{backtrace}\n",
            thread.name().unwrap_or("unnamed")
        );
        let _ = std::io::stderr().lock().write_all(report.as_bytes());
    }));
}

tokio::task_local! {
    static PANICS_CAUGHT: ();
}

/// Runs `future` with its panics marked as caught: the panic hook logs them as an ERROR event rather
/// than printing the `panic: ` crash report, because the caller (e.g. an RPC handler with
/// `catch_unwind`) reports them as a diagnostic. Wrap the future *inside* the `catch_unwind`, in the
/// same task.
pub async fn with_caught_panics<F: Future>(future: F) -> F::Output {
    PANICS_CAUGHT.scope((), future).await
}

/// The text of a panic payload (`&str` or `String`, as `panic!` produces).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "Box<dyn Any>"
    }
}

/// The `tracing` layer that writes one hclog JSON object per event to stderr.
struct HclogLayer;

/// The fields recorded on a span, kept in its extensions and added to the events inside it.
struct SpanFields(Map<String, Value>);

impl<S> Layer<S> for HclogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let mut visitor = JsonVisitor::default();
        attrs.record(&mut visitor);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(visitor.fields));
        }
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: Context<'_, S>,
    ) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(SpanFields(fields)) = extensions.get_mut::<SpanFields>() {
            let mut visitor = JsonVisitor {
                fields: std::mem::take(fields),
                message: None,
            };
            values.record(&mut visitor);
            *fields = visitor.fields;
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let mut line = Map::new();
        line.insert("@level".into(), level_name(*metadata.level()).into());
        line.insert("@message".into(), Value::Null); // Placeholder that keeps the key order.
        line.insert("@module".into(), module_name(metadata.target()).into());
        let timestamp = time::OffsetDateTime::now_utc()
            .format(TIMESTAMP)
            .unwrap_or_default();
        line.insert("@timestamp".into(), timestamp.into());
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(fields)) = span.extensions().get::<SpanFields>() {
                    line.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
        }
        let mut visitor = JsonVisitor {
            fields: line,
            message: None,
        };
        event.record(&mut visitor);
        let mut line = visitor.fields;
        line.insert(
            "@message".into(),
            visitor.message.unwrap_or_default().into(),
        );
        let mut text = Value::Object(line).to_string();
        text.push('\n');
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

/// hclog's level names.
fn level_name(level: tracing::Level) -> &'static str {
    match level {
        tracing::Level::TRACE => "trace",
        tracing::Level::DEBUG => "debug",
        tracing::Level::INFO => "info",
        tracing::Level::WARN => "warn",
        tracing::Level::ERROR => "error",
    }
}

/// `aml.<target>` with the crate name dropped and `::` written as `.`: `aml.arm.client`.
fn module_name(target: &str) -> String {
    let local = target
        .strip_prefix(OWN_TARGET)
        .map_or(target, |rest| rest.trim_start_matches("::"));
    if local.is_empty() {
        "aml".to_owned()
    } else {
        format!("aml.{}", local.replace("::", "."))
    }
}

/// Collects `tracing` fields as JSON strings, numbers and booleans; `message` is kept apart.
#[derive(Default)]
struct JsonVisitor {
    fields: Map<String, Value>,
    message: Option<String>,
}

impl JsonVisitor {
    fn put(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = Some(match value {
                Value::String(s) => s,
                other => other.to_string(),
            });
        } else {
            self.fields.insert(field.name().to_owned(), value);
        }
    }
}

impl Visit for JsonVisitor {
    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity; those become strings.
        let json = serde_json::Number::from_f64(value)
            .map_or_else(|| Value::String(value.to_string()), Value::Number);
        self.put(field, json);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            let _ = write!(text, ": {cause}");
            source = cause.source();
        }
        self.put(field, text.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, format!("{value:?}").into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_terraform() {
        let cases = [
            ("off", LevelFilter::OFF),
            ("OFF", LevelFilter::OFF),
            ("error", LevelFilter::ERROR),
            ("WARN", LevelFilter::WARN),
            ("info", LevelFilter::INFO),
            ("debug", LevelFilter::DEBUG),
            ("trace", LevelFilter::TRACE),
            ("json", LevelFilter::TRACE),
            ("loud", LevelFilter::TRACE),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_level(value), expected, "TF_LOG={value}");
        }
    }

    #[test]
    fn modules_are_prefixed_with_aml() {
        let cases = [
            ("terraform_provider_aml", "aml"),
            ("terraform_provider_aml::arm::client", "aml.arm.client"),
            ("h2::codec", "aml.h2.codec"),
        ];
        for (target, expected) in cases {
            assert_eq!(module_name(target), expected);
        }
    }

    #[test]
    fn own_events_pass_at_the_asked_level_whatever_their_target() {
        use tracing::Level;
        let own = Some("terraform_provider_aml::arm::pipeline");
        let cases = [
            // The ARM client logs with target `arm`: its requests reach TF_LOG=DEBUG/TRACE.
            ("arm", own, Level::DEBUG, LevelFilter::DEBUG, true),
            ("arm", own, Level::TRACE, LevelFilter::TRACE, true),
            ("arm", own, Level::TRACE, LevelFilter::DEBUG, false),
            ("arm", own, Level::DEBUG, LevelFilter::WARN, false),
            (OWN_TARGET, None, Level::DEBUG, LevelFilter::DEBUG, true),
            (
                "terraform_provider_aml::tfplugin",
                None,
                Level::TRACE,
                LevelFilter::TRACE,
                true,
            ),
            // Dependencies stay capped at WARN.
            (
                "h2::codec",
                Some("h2::codec"),
                Level::DEBUG,
                LevelFilter::TRACE,
                false,
            ),
            (
                "h2::codec",
                Some("h2::codec"),
                Level::WARN,
                LevelFilter::TRACE,
                true,
            ),
            (
                "arm",
                Some("other_crate::x"),
                Level::DEBUG,
                LevelFilter::TRACE,
                false,
            ),
            (
                "terraform_provider_amlx",
                None,
                Level::DEBUG,
                LevelFilter::TRACE,
                false,
            ),
        ];
        for (target, module, event, level, want) in cases {
            assert_eq!(
                enabled(target, module, event, level),
                want,
                "{target} {module:?} {event} at {level}"
            );
        }
    }

    #[test]
    fn timestamps_have_six_fractional_digits() {
        let t = time::macros::datetime!(2026-11-25 12:00:00.5 UTC);
        assert_eq!(
            t.format(TIMESTAMP).expect("format"),
            "2026-11-25T12:00:00.500000Z"
        );
    }
}
