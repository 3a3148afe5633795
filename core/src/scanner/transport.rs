//! The byte link to a scanner: write bytes, read with a timeout, close.
//!
//! On a tablet the Kotlin shell implements [`ByteTransport`] over a `BluetoothSocket` (RFCOMM)
//! through a uniffi callback interface, so the trait stays object-safe and speaks only bytes.
//! Tests and the simulator use [`memory_pair`], two in-memory ends of one duplex link.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use thiserror::Error;

/// Why the link could not move bytes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransportError {
    /// The link is closed (by either end, or the radio dropped it).
    #[error("the link is closed")]
    Closed,
    /// The platform reported an I/O failure.
    #[error("link I/O failed: {0}")]
    Io(String),
}

/// A bidirectional byte stream to one scanner.
pub trait ByteTransport: Send {
    /// Send all of `bytes`.
    fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError>;
    /// Read whatever is available into `buf`, waiting at most `timeout` for the first byte.
    /// `Ok(0)` means the timeout passed with no data; it should return as soon as any byte
    /// is available rather than wait to fill `buf`.
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError>;
    /// Close the link; later reads and writes fail with [`TransportError::Closed`].
    fn close(&mut self);
}

impl<T: ByteTransport + ?Sized> ByteTransport for Box<T> {
    fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        (**self).write(bytes)
    }
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        (**self).read(buf, timeout)
    }
    fn close(&mut self) {
        (**self).close()
    }
}

/// One direction of an in-memory link.
#[derive(Default)]
struct Pipe {
    state: Mutex<PipeState>,
    readable: Condvar,
}

#[derive(Default)]
struct PipeState {
    bytes: VecDeque<u8>,
    closed: bool,
}

impl Pipe {
    /// A poisoned lock only means another test thread panicked; the bytes are still valid.
    fn lock(&self) -> MutexGuard<'_, PipeState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn close(&self) {
        self.lock().closed = true;
        self.readable.notify_all();
    }
}

/// One end of an in-memory duplex link (see [`memory_pair`]). Dropping an end closes the link.
///
/// Each direction is its own locked pipe, so an end can be shared between threads, like a
/// `&TcpStream`: `&MemoryTransport` is a [`ByteTransport`] too, and a thread waiting in
/// `read` holds up no other thread's `write` or `close`.
pub struct MemoryTransport {
    incoming: Arc<Pipe>,
    outgoing: Arc<Pipe>,
}

/// Two connected ends: what one writes the other reads. Closing either end closes both
/// directions, as a dropped Bluetooth link does; bytes already sent can still be read.
pub fn memory_pair() -> (MemoryTransport, MemoryTransport) {
    let a_to_b = Arc::new(Pipe::default());
    let b_to_a = Arc::new(Pipe::default());
    (
        MemoryTransport {
            incoming: Arc::clone(&b_to_a),
            outgoing: Arc::clone(&a_to_b),
        },
        MemoryTransport {
            incoming: a_to_b,
            outgoing: b_to_a,
        },
    )
}

impl MemoryTransport {
    /// Whether the link has been closed by either end.
    pub fn is_closed(&self) -> bool {
        self.outgoing.lock().closed
    }

    fn send(&self, bytes: &[u8]) -> Result<(), TransportError> {
        let mut state = self.outgoing.lock();
        if state.closed {
            return Err(TransportError::Closed);
        }
        state.bytes.extend(bytes);
        drop(state);
        self.outgoing.readable.notify_all();
        Ok(())
    }

    fn receive(&self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        let deadline = Instant::now() + timeout;
        let mut state = self.incoming.lock();
        loop {
            if !state.bytes.is_empty() {
                let n = buf.len().min(state.bytes.len());
                for (slot, byte) in buf.iter_mut().zip(state.bytes.drain(..n)) {
                    *slot = byte;
                }
                return Ok(n);
            }
            if state.closed {
                return Err(TransportError::Closed);
            }
            let now = Instant::now();
            if now >= deadline || buf.is_empty() {
                return Ok(0);
            }
            state = self
                .incoming
                .readable
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn shut(&self) {
        self.incoming.close();
        self.outgoing.close();
    }
}

impl ByteTransport for MemoryTransport {
    fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.send(bytes)
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        self.receive(buf, timeout)
    }

    fn close(&mut self) {
        self.shut();
    }
}

impl ByteTransport for &MemoryTransport {
    fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.send(bytes)
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        self.receive(buf, timeout)
    }

    fn close(&mut self) {
        self.shut();
    }
}

impl Drop for MemoryTransport {
    fn drop(&mut self) {
        self.shut();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_written_at_one_end_are_read_at_the_other() {
        let (mut phone, mut scanner) = memory_pair();
        phone.write(b"hello").unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(
            scanner.read(&mut buf, Duration::from_millis(10)).unwrap(),
            5
        );
        assert_eq!(&buf[..5], b"hello");
        scanner.write(b"ok").unwrap();
        assert_eq!(phone.read(&mut buf, Duration::from_millis(10)).unwrap(), 2);
    }

    #[test]
    fn a_read_with_nothing_to_read_times_out_with_zero() {
        let (mut phone, _scanner) = memory_pair();
        let mut buf = [0u8; 8];
        let start = Instant::now();
        assert_eq!(phone.read(&mut buf, Duration::from_millis(30)).unwrap(), 0);
        assert!(start.elapsed() >= Duration::from_millis(30));
    }

    #[test]
    fn closing_one_end_closes_the_link_after_pending_bytes_are_read() {
        let (mut phone, mut scanner) = memory_pair();
        scanner.write(b"ab").unwrap();
        scanner.close();
        let mut buf = [0u8; 8];
        assert_eq!(phone.read(&mut buf, Duration::from_millis(10)).unwrap(), 2);
        assert_eq!(
            phone.read(&mut buf, Duration::from_millis(10)),
            Err(TransportError::Closed)
        );
        assert_eq!(phone.write(b"x"), Err(TransportError::Closed));
    }

    #[test]
    fn a_shared_end_writes_while_another_thread_waits_in_read() {
        let (phone, mut scanner) = memory_pair();
        let phone = Arc::new(phone);
        let reader = {
            let phone = Arc::clone(&phone);
            std::thread::spawn(move || {
                let mut buf = [0u8; 8];
                (&*phone)
                    .read(&mut buf, Duration::from_secs(5))
                    .map(|n| buf[..n].to_vec())
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        (&*phone).write(b"ask").unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(scanner.read(&mut buf, Duration::from_secs(5)).unwrap(), 3);
        scanner.write(b"answer").unwrap();
        assert_eq!(reader.join().unwrap().unwrap(), b"answer");
    }

    #[test]
    fn a_waiting_reader_wakes_when_bytes_arrive_from_another_thread() {
        let (mut phone, mut scanner) = memory_pair();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            scanner.write(b"z").unwrap();
            scanner
        });
        let mut buf = [0u8; 1];
        assert_eq!(phone.read(&mut buf, Duration::from_secs(5)).unwrap(), 1);
        drop(writer.join().unwrap());
        assert_eq!(
            phone.read(&mut buf, Duration::from_secs(5)),
            Err(TransportError::Closed)
        );
    }
}
