//! Live events without hyper: the idle connection every laptop in the room
//! keeps open.
//!
//! Hand-written because of memory. Through hyper, each `/v1/events`
//! connection holds an 8 KiB read buffer and an 8 KiB header buffer for as
//! long as it lives (hyper's minimum), about 24 KiB in all with the task and
//! the timer (`fanout-bench`); a meeting of thousands of delegates keeps that
//! many connections idle for days. Here a connection holds its socket, two
//! `watch` receivers and the task: about 1 KiB.
//!
//! Only the exact request line `GET /v1/events[?...] HTTP/1.1` takes this
//! path, decided by peeking at the first bytes without consuming them;
//! anything else (HTTP/1.0, HEAD, a request line split over packets) goes to
//! the axum route, which answers the same events, so correctness never
//! depends on this shortcut. The stream is the same as the route's:
//! `event: cursor` with the head at once and on every change, `event: notes`
//! with the shared notes feed's head likewise, and a comment heartbeat, in
//! chunked transfer encoding.

use std::io::Write as _;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::watch;

/// The longest request head accepted on this path.
const MAX_HEAD: usize = 16 * 1024;

/// Whether the connection starts with a request for `/v1/events` that this
/// module answers. Waits for the first bytes; never consumes them.
pub async fn is_events_request(stream: &TcpStream) -> bool {
    let mut first = [0u8; 96];
    let Ok(n) = stream.peek(&mut first).await else {
        return false;
    };
    let first = &first[..n];
    let Some(eol) = first.windows(2).position(|w| w == b"\r\n") else {
        return false;
    };
    let line = &first[..eol];
    let Some(target) = line
        .strip_prefix(b"GET ")
        .and_then(|l| l.strip_suffix(b" HTTP/1.1"))
    else {
        return false;
    };
    target == b"/v1/events" || target.starts_with(b"/v1/events?")
}

/// Answers one `/v1/events` connection until the client leaves, the feed's
/// sender is dropped or `closing` turns true.
pub async fn serve(
    mut stream: TcpStream,
    mut head: watch::Receiver<u64>,
    mut notes: watch::Receiver<u64>,
    mut heartbeat: watch::Receiver<()>,
    mut closing: watch::Receiver<bool>,
) {
    if !read_request_head(&mut stream).await {
        return;
    }
    let _ = stream.set_nodelay(true);
    let response = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
        cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n";
    if stream.write_all(response).await.is_err() {
        return;
    }
    heartbeat.mark_unchanged();
    let mut cursor = *head.borrow_and_update();
    let mut notes_head = *notes.borrow_and_update();
    if !send_event(&mut stream, "cursor", cursor).await
        || !send_event(&mut stream, "notes", notes_head).await
    {
        return;
    }
    // Send each change, and heartbeats meanwhile.
    loop {
        let mut probe = [0u8; 64];
        tokio::select! {
            changed = head.changed() => {
                if changed.is_err() {
                    return;
                }
                let now = *head.borrow_and_update();
                if now != cursor {
                    cursor = now;
                    if !send_event(&mut stream, "cursor", cursor).await {
                        return;
                    }
                }
            }
            changed = notes.changed() => {
                if changed.is_err() {
                    return;
                }
                let now = *notes.borrow_and_update();
                if now != notes_head {
                    notes_head = now;
                    if !send_event(&mut stream, "notes", notes_head).await {
                        return;
                    }
                }
            }
            beat = heartbeat.changed() => {
                if beat.is_err() || stream.write_all(b"3\r\n:\n\n\r\n").await.is_err() {
                    return;
                }
            }
            readable = stream.readable() => {
                if readable.is_err() {
                    return;
                }
                // A client sends nothing more on this stream; 0 bytes means it left.
                match stream.try_read(&mut probe) {
                    Ok(0) => return,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(_) => return,
                }
            }
            _ = closing.changed() => return, // it only ever turns true
        }
    }
}

/// Writes one event as one chunk ("event: cursor\ndata: N\n\n" fits easily
/// on the stack). False if the client is gone.
async fn send_event(stream: &mut TcpStream, name: &str, value: u64) -> bool {
    let mut chunk = [0u8; 80];
    let len = {
        let mut w = std::io::Cursor::new(&mut chunk[..]);
        let payload_len = "event: \ndata: \n\n".len() + name.len() + digits(value);
        let _ = write!(w, "{payload_len:x}\r\nevent: {name}\ndata: {value}\n\n\r\n");
        w.position() as usize
    };
    stream.write_all(&chunk[..len]).await.is_ok()
}

fn digits(mut n: u64) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

/// Reads and drops the request head (a GET has no body). False if the
/// client left, or sent more than `MAX_HEAD` without ending it.
async fn read_request_head(stream: &mut TcpStream) -> bool {
    use tokio::io::AsyncReadExt;
    // On the heap and dropped once read: the task keeps no buffer afterwards.
    let mut head = Vec::with_capacity(1024);
    loop {
        match stream.read_buf(&mut head).await {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
        if head.windows(4).any(|w| w == b"\r\n\r\n") {
            return true;
        }
        if head.len() > MAX_HEAD {
            let _ = stream
                .write_all(b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await;
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_counts_decimal_digits() {
        assert_eq!(
            [0, 9, 10, 99, 100, u64::MAX].map(digits),
            [1, 1, 2, 2, 3, 20]
        );
    }
}
