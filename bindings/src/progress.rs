//! Progress and cancellation for the long operations (loading the gallery, the duplicate
//! check, searching by finger, the check on a card, exporting a packet).
//!
//! A long call blocks its own (background) thread and reports through a
//! [`ProgressListener`] the shell implements; the screen cancels with a [`CancelToken`] from
//! any thread. Cancellation is checked between steps (between members in a duplicate check),
//! so it takes effect within one step, and a cancelled operation has changed nothing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::JatigiError;

/// What a long operation is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Stage {
    /// Reading and decrypting every enrolled person's templates.
    LoadingGallery,
    /// Preparing templates for matching (so later searches are fast).
    PreparingGallery,
    /// Searching for each member of the household among everyone enrolled.
    CheckingDuplicates,
    /// Searching for the finger just scanned among everyone enrolled.
    SearchingFinger,
    /// Comparing the finger just scanned with the members a household card lists.
    CheckingCardMember,
    /// Reading, encrypting and signing the households of a sync packet.
    ExportingPacket,
}

/// One progress report: `done` of `total` steps of `stage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Progress {
    pub stage: Stage,
    pub done: u64,
    pub total: u64,
}

/// Receives progress reports, on the thread running the operation.
#[uniffi::export(callback_interface)]
pub trait ProgressListener: Send + Sync {
    fn on_progress(&self, progress: Progress);
}

/// A flag the screen sets to stop a long operation; share one per operation.
#[derive(Debug, Default, uniffi::Object)]
pub struct CancelToken {
    cancelled: AtomicBool,
}

#[uniffi::export]
impl CancelToken {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(CancelToken::default())
    }

    /// Ask the operation to stop; it ends with `JatigiError.Cancelled`.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

/// The listener and token of one call, either optional.
pub(crate) struct Reporter {
    listener: Option<Box<dyn ProgressListener>>,
    cancel: Option<Arc<CancelToken>>,
}

impl Reporter {
    pub(crate) fn new(listener: Option<Box<dyn ProgressListener>>, cancel: Option<Arc<CancelToken>>) -> Self {
        Reporter { listener, cancel }
    }

    /// Report a step; `false` if the operation should stop.
    pub(crate) fn step(&self, stage: Stage, done: usize, total: usize) -> bool {
        if let Some(listener) = &self.listener {
            listener.on_progress(Progress { stage, done: done as u64, total: total as u64 });
        }
        !self.cancelled()
    }

    pub(crate) fn cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(|c| c.is_cancelled())
    }

    /// `Err(Cancelled)` once the token is set.
    pub(crate) fn check(&self) -> Result<(), JatigiError> {
        if self.cancelled() {
            Err(JatigiError::Cancelled)
        } else {
            Ok(())
        }
    }
}
