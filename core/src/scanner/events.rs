//! Events the scanner sends on its own (route 0x11), delivered apart from command
//! responses: a bounded queue any thread can wait on.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Events kept before the oldest is dropped. A stuck trigger can send presses without end;
/// a screen only ever needs the last few.
pub const EVENT_QUEUE_CAPACITY: usize = 64;
/// Presses within [`TRIGGER_STUCK_WINDOW`] that mean the button is stuck: nobody presses
/// five times in a second while scanning.
pub const TRIGGER_STUCK_PRESSES: usize = 5;
/// See [`TRIGGER_STUCK_PRESSES`]. A gap this long between presses clears the stuck state.
pub const TRIGGER_STUCK_WINDOW: Duration = Duration::from_secs(1);

/// Something the scanner reported without being asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScannerEvent {
    /// The trigger button was pressed.
    TriggerPressed,
    /// Presses arrive faster than a person can press: the button is stuck. Further presses
    /// are suppressed until they stop for [`TRIGGER_STUCK_WINDOW`].
    TriggerStuck,
    /// The UN20 sensor was powered on or off (by command or by its idle timer).
    Un20Power { on: bool },
    /// An event type this driver does not know.
    Other { major: u8, minor: u8, data: Vec<u8> },
    /// The link dropped; no more events will come on it.
    Disconnected,
}

/// A bounded queue of events with a blocking, timed [`next`](EventQueue::next).
#[derive(Debug, Default)]
pub struct EventQueue {
    state: Mutex<QueueState>,
    arrived: Condvar,
}

#[derive(Debug, Default)]
struct QueueState {
    events: VecDeque<ScannerEvent>,
    dropped: u64,
}

impl EventQueue {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Add an event, dropping the oldest when full.
    pub(crate) fn push(&self, event: ScannerEvent) {
        let mut state = self.lock();
        if state.events.len() >= EVENT_QUEUE_CAPACITY {
            state.events.pop_front();
            state.dropped += 1;
        }
        state.events.push_back(event);
        drop(state);
        self.arrived.notify_all();
    }

    /// The oldest event, waiting at most `timeout` for one.
    pub fn next(&self, timeout: Duration) -> Option<ScannerEvent> {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        loop {
            if let Some(event) = state.events.pop_front() {
                return Some(event);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            state = self
                .arrived
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// The oldest event, if one is waiting.
    pub fn try_next(&self) -> Option<ScannerEvent> {
        self.lock().events.pop_front()
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.lock().events.len()
    }

    /// Whether no event is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Events dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// Forget every waiting event (on reconnect).
    pub(crate) fn clear(&self) {
        self.lock().events.clear();
    }
}

/// Turns raw trigger presses into [`ScannerEvent::TriggerPressed`] or, when they come too
/// fast, one [`ScannerEvent::TriggerStuck`].
#[derive(Debug, Default)]
pub(crate) struct TriggerMonitor {
    recent: VecDeque<Instant>,
    stuck: bool,
}

impl TriggerMonitor {
    /// A press arrived at `now`: the event to deliver, if any.
    pub(crate) fn press(&mut self, now: Instant) -> Option<ScannerEvent> {
        if let Some(&last) = self.recent.back() {
            if now.saturating_duration_since(last) > TRIGGER_STUCK_WINDOW {
                self.recent.clear();
                self.stuck = false;
            }
        }
        self.recent.push_back(now);
        while self.recent.len() > TRIGGER_STUCK_PRESSES {
            self.recent.pop_front();
        }
        if self.stuck {
            return None;
        }
        let first = self.recent.front().copied().unwrap_or(now);
        if self.recent.len() == TRIGGER_STUCK_PRESSES
            && now.saturating_duration_since(first) <= TRIGGER_STUCK_WINDOW
        {
            self.stuck = true;
            return Some(ScannerEvent::TriggerStuck);
        }
        Some(ScannerEvent::TriggerPressed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_keeps_the_newest_events() {
        let queue = EventQueue::default();
        for _ in 0..EVENT_QUEUE_CAPACITY + 10 {
            queue.push(ScannerEvent::TriggerPressed);
        }
        queue.push(ScannerEvent::Un20Power { on: true });
        assert_eq!(queue.len(), EVENT_QUEUE_CAPACITY);
        assert_eq!(queue.dropped(), 11);
        let last = std::iter::from_fn(|| queue.try_next()).last();
        assert_eq!(last, Some(ScannerEvent::Un20Power { on: true }));
        assert_eq!(queue.next(Duration::from_millis(5)), None);
    }

    #[test]
    fn presses_a_person_makes_are_presses() {
        let mut monitor = TriggerMonitor::default();
        let t0 = Instant::now();
        for i in 0..10 {
            let at = t0 + Duration::from_millis(400) * i;
            assert_eq!(monitor.press(at), Some(ScannerEvent::TriggerPressed));
        }
    }

    #[test]
    fn a_burst_of_presses_is_one_stuck_event_then_silence_until_it_stops() {
        let mut monitor = TriggerMonitor::default();
        let t0 = Instant::now();
        let events: Vec<_> = (0..20)
            .map(|i| monitor.press(t0 + Duration::from_millis(50) * i))
            .collect();
        assert_eq!(events[..4], vec![Some(ScannerEvent::TriggerPressed); 4]);
        assert_eq!(events[4], Some(ScannerEvent::TriggerStuck));
        assert!(events[5..].iter().all(Option::is_none));
        let later = t0 + Duration::from_secs(3);
        assert_eq!(monitor.press(later), Some(ScannerEvent::TriggerPressed));
    }
}
