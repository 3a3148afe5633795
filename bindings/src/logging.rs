//! Where core's `log` records go: Logcat on Android (android_logger), stderr on the JVM, or a
//! [`LogSink`] the shell implements (to add them to its own log files, say).
//!
//! One `log::Log` is installed for the process the first time logging is set up; changing
//! the sink or the level later only swaps what it forwards to. Core never logs keys,
//! PINs, names or biometric bytes (ARCHITECTURE.md, "Secrets"), so records are safe to keep.

use std::cell::Cell;
use std::sync::{Arc, Once, RwLock};

use log::{LevelFilter, Log, Metadata, Record};

/// Severity of a log record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl From<LogLevel> for LevelFilter {
    fn from(l: LogLevel) -> LevelFilter {
        match l {
            LogLevel::Error => LevelFilter::Error,
            LogLevel::Warn => LevelFilter::Warn,
            LogLevel::Info => LevelFilter::Info,
            LogLevel::Debug => LevelFilter::Debug,
            LogLevel::Trace => LevelFilter::Trace,
        }
    }
}

impl From<log::Level> for LogLevel {
    fn from(l: log::Level) -> LogLevel {
        match l {
            log::Level::Error => LogLevel::Error,
            log::Level::Warn => LogLevel::Warn,
            log::Level::Info => LogLevel::Info,
            log::Level::Debug => LogLevel::Debug,
            log::Level::Trace => LogLevel::Trace,
        }
    }
}

/// One log record.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LogRecord {
    pub level: LogLevel,
    /// The Rust module that logged it, e.g. `jatigi_core::scanner::driver`.
    pub target: String,
    pub message: String,
}

/// Receives core's log records; called on whatever thread logged, so it must not block.
#[uniffi::export(callback_interface)]
pub trait LogSink: Send + Sync {
    fn log(&self, record: LogRecord);
}

/// Send core's logs at `level` and above to the platform log: Logcat (tag `jatigi`) on
/// Android, stderr elsewhere.
#[uniffi::export]
pub fn log_to_platform(level: LogLevel) {
    install(Sink::Platform, level);
}

/// Send core's logs at `level` and above to `sink` instead of the platform log.
#[uniffi::export]
pub fn log_to_sink(sink: Box<dyn LogSink>, level: LogLevel) {
    install(Sink::Foreign(Arc::from(sink)), level);
}

#[derive(Clone)]
enum Sink {
    Platform,
    Foreign(Arc<dyn LogSink>),
}

struct Forwarder {
    sink: RwLock<Sink>,
    #[cfg(target_os = "android")]
    logcat: android_logger::AndroidLogger,
}

static FORWARDER: std::sync::OnceLock<Forwarder> = std::sync::OnceLock::new();
static INSTALL: Once = Once::new();

thread_local! {
    /// Set while a record is being forwarded on this thread: a sink that logs through Jatigi
    /// again would otherwise recurse forever.
    static FORWARDING: Cell<bool> = const { Cell::new(false) };
}

fn install(sink: Sink, level: LogLevel) {
    let forwarder = FORWARDER.get_or_init(|| Forwarder {
        sink: RwLock::new(Sink::Platform),
        #[cfg(target_os = "android")]
        logcat: android_logger::AndroidLogger::new(
            android_logger::Config::default().with_max_level(LevelFilter::Trace).with_tag("jatigi"),
        ),
    });
    *forwarder.sink.write().unwrap_or_else(|e| e.into_inner()) = sink;
    INSTALL.call_once(|| {
        // Fails only if the host program installed its own logger first; then it keeps it.
        if log::set_logger(forwarder).is_err() {
            eprintln!("jatigi: another logger is installed; core's logs go there");
        }
    });
    log::set_max_level(level.into());
}

impl Log for Forwarder {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) || FORWARDING.with(Cell::get) {
            return;
        }
        let sink = self.sink.read().unwrap_or_else(|e| e.into_inner()).clone();
        FORWARDING.with(|f| f.set(true));
        match sink {
            Sink::Foreign(sink) => {
                let record = LogRecord {
                    level: record.level().into(),
                    target: record.target().to_string(),
                    message: record.args().to_string(),
                };
                // A Kotlin exception in the sink must not unwind through the thread that
                // logged (it may be the scanner's link thread): drop the record instead.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink.log(record)));
            }
            Sink::Platform => self.platform(record),
        }
        FORWARDING.with(|f| f.set(false));
    }

    fn flush(&self) {}
}

impl Forwarder {
    #[cfg(target_os = "android")]
    fn platform(&self, record: &Record) {
        self.logcat.log(record);
    }

    #[cfg(not(target_os = "android"))]
    fn platform(&self, record: &Record) {
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "[jatigi {} {}] {}", record.level(), record.target(), record.args());
    }
}
