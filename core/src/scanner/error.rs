//! What can go wrong talking to a scanner, in terms a capture screen can act on.

use thiserror::Error;

use super::frame::FrameError;

/// A scanner operation failed. Each variant maps to one thing the operator can do.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScannerError {
    /// No live link: connect (or reconnect) first.
    #[error("no scanner is connected")]
    NotConnected,
    /// The link dropped during the operation: reconnect.
    #[error("the scanner link dropped")]
    Disconnected,
    /// No valid answer within the command's timeout, after every retry.
    #[error("the scanner did not answer \"{command}\" in time")]
    Timeout { command: &'static str },
    /// Another command is still waiting for its answer (one at a time).
    #[error("another scanner command is in progress")]
    Busy,
    /// The scanner's battery is below the configured minimum: charge it.
    #[error("the scanner battery is low ({percent}%)")]
    LowBattery { percent: u8 },
    /// No finger on the sensor, after the configured retries.
    #[error("no finger on the sensor")]
    NoFinger,
    /// The scan is below the programme's quality threshold: scan again.
    #[error("the scan quality ({quality}) is below the threshold")]
    PoorQuality { quality: u8 },
    /// The trigger button sends presses faster than a person can: it is stuck.
    #[error("the scanner's trigger button seems stuck")]
    TriggerStuck,
    /// The sensor cannot capture at this resolution.
    #[error("the sensor does not support {dpi} dpi")]
    DpiNotSupported { dpi: u16 },
    /// The scanner answered that the command failed.
    #[error("the scanner refused \"{command}\"")]
    Refused { command: &'static str },
    /// Something the driver does not do (e.g. PNG images from the sensor).
    #[error("not supported yet: {0}")]
    Unsupported(&'static str),
    /// The bytes received were malformed, after every retry.
    #[error("scanner protocol error: {0}")]
    Protocol(#[from] FrameError),
}
