//! [`HeadGuard`]: the connection wrapper that keeps actix-http from
//! answering a request itself. actix-http 3 answers an oversized request head
//! (431), a malformed one (400) and a first request that is too slow (408)
//! with an empty body from inside its dispatcher, and offers no hook to change
//! those responses. So the guard reads the connection first: it runs
//! actix-http's own HTTP/1 decoder (`h1::Codec`) over a copy of the bytes, so
//! both agree on where every request head and body ends, and hands a request
//! head to actix-http only once it is complete, valid and at most
//! [`MAX_HEAD_BYTES`] long. Otherwise it hands over, in its place, a
//! one-line request for [`super::REFUSED_PATH`], which the app answers with
//! the problem+json body of the refusal (and `Connection: close`); then it
//! reads and discards what the client still sends, so closing the connection
//! does not reset it before the client has read the answer.
//!
//! Bodies pass through as they arrive. A body actix-http could not decode (a
//! broken chunked encoding) ends where it breaks: the guard reports the end
//! of the connection there, and the handler answers its incomplete body with
//! a problem.

use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_codec::{AsyncRead, AsyncWrite, Decoder, ReadBuf};
use actix_http::error::ParseError;
use actix_http::h1::{Codec, Message, MessageType};
use actix_http::{ServiceConfig, StatusCode};
use bytes::{Buf, Bytes, BytesMut};

/// Largest request head (request line and headers) passed on; larger ones
/// get a 431 problem. Below actix-http's own fixed limit (128 KiB).
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// How long the first request head of a connection may take to arrive.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How much a refused client may still send that is read and dropped.
const DRAIN_BYTES: usize = 1024 * 1024;
const READ_CHUNK: usize = 16 * 1024;

enum State {
    /// Requests pass through.
    Open,
    /// The bytes before the refused head are delivered, then this request.
    Refusing(Bytes),
    /// The refusal request is delivered; the rest is read and dropped.
    Refused { drained: usize },
    /// A body broke off: what came before it is delivered, then the end.
    Ending,
}

/// A connection as actix-http sees it, with the guard in front.
pub struct HeadGuard<IO> {
    io: IO,
    /// Read from the client, not yet handed to actix-http.
    raw: BytesMut,
    /// The same stream from where the shadow decoder stands; a suffix of `raw`
    /// (while a head is incomplete, exactly the bytes held back).
    shadow: BytesMut,
    codec: Codec,
    state: State,
    /// Until the first request head is complete.
    first_head: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<IO> HeadGuard<IO> {
    /// Wraps a fresh connection. `config` is the service configuration the
    /// decoder runs with (only its keep-alive setting matters to decoding).
    pub fn new(io: IO, config: ServiceConfig) -> Self {
        Self {
            io,
            raw: BytesMut::new(),
            shadow: BytesMut::new(),
            codec: Codec::new(config),
            state: State::Open,
            first_head: Some(Box::pin(tokio::time::sleep(HEAD_TIMEOUT))),
        }
    }

    fn in_head(&self) -> bool {
        matches!(self.codec.message_type(), MessageType::None)
    }

    /// Bytes at the front of `raw` that may go to actix-http now.
    fn releasable(&self) -> usize {
        if self.in_head() {
            self.raw.len() - self.shadow.len()
        } else {
            self.raw.len()
        }
    }

    /// Runs the decoder over what arrived; refuses a bad or oversized head.
    fn inspect(&mut self) {
        loop {
            let at = self.raw.len() - self.shadow.len();
            let head = self.in_head();
            match self.codec.decode(&mut self.shadow) {
                Ok(Some(Message::Item(_))) => self.first_head = None,
                Ok(Some(Message::Chunk(_))) => {}
                Ok(None) => break,
                Err(err) => {
                    // Nothing from the start of the broken head or body on.
                    self.raw.truncate(at);
                    self.shadow.clear();
                    if head {
                        let status = match err {
                            ParseError::TooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                            _ => StatusCode::BAD_REQUEST,
                        };
                        self.refuse(status);
                    } else {
                        self.state = State::Ending;
                    }
                    return;
                }
            }
        }
        if self.in_head() && self.shadow.len() > MAX_HEAD_BYTES {
            let at = self.raw.len() - self.shadow.len();
            self.raw.truncate(at);
            self.shadow.clear();
            self.refuse(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        }
    }

    fn refuse(&mut self, status: StatusCode) {
        tracing::debug!(status = status.as_u16(), "request head refused at the edge");
        self.first_head = None;
        self.state = State::Refusing(Bytes::from(format!(
            "GET {}/{} HTTP/1.1\r\nhost: vdx\r\nconnection: close\r\n\r\n",
            super::REFUSED_PATH,
            status.as_u16()
        )));
    }

    fn deliver(&mut self, out: &mut ReadBuf<'_>, ready: usize) {
        let n = ready.min(out.remaining());
        out.put_slice(&self.raw[..n]);
        self.raw.advance(n);
    }
}

impl<IO: AsyncRead + Unpin> HeadGuard<IO> {
    /// Reads and drops what a refused client still sends, up to a budget.
    /// `Ready` once the client is done (or the budget spent).
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let State::Refused { drained } = &mut self.state else {
            return Poll::Ready(());
        };
        let mut chunk = [MaybeUninit::<u8>::uninit(); READ_CHUNK];
        while *drained < DRAIN_BYTES {
            let mut buf = ReadBuf::uninit(&mut chunk);
            match Pin::new(&mut self.io).poll_read(cx, &mut buf) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(())) if !buf.filled().is_empty() => {
                    *drained += buf.filled().len();
                }
                Poll::Ready(_) => break,
            }
        }
        *drained = DRAIN_BYTES;
        Poll::Ready(())
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for HeadGuard<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                State::Open => {}
                State::Ending => {
                    let ready = this.raw.len();
                    this.deliver(out, ready);
                    return Poll::Ready(Ok(()));
                }
                State::Refusing(request) => {
                    if !this.raw.is_empty() {
                        let ready = this.raw.len();
                        this.deliver(out, ready);
                        return Poll::Ready(Ok(()));
                    }
                    let n = request.len().min(out.remaining());
                    out.put_slice(&request.split_to(n));
                    if request.is_empty() {
                        this.state = State::Refused { drained: 0 };
                    }
                    return Poll::Ready(Ok(()));
                }
                State::Refused { .. } => {
                    // The end of input, once the client has finished sending.
                    return this.drain(cx).map(Ok);
                }
            }
            let ready = this.releasable();
            if ready > 0 {
                this.deliver(out, ready);
                return Poll::Ready(Ok(()));
            }
            if let Some(deadline) = this.first_head.as_mut()
                && deadline.as_mut().poll(cx).is_ready()
            {
                this.raw.clear();
                this.shadow.clear();
                this.refuse(StatusCode::REQUEST_TIMEOUT);
                continue;
            }
            let mut chunk = [MaybeUninit::<u8>::uninit(); READ_CHUNK];
            let mut buf = ReadBuf::uninit(&mut chunk);
            match Pin::new(&mut this.io).poll_read(cx, &mut buf) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                // The client closed: an incomplete head is dropped, as
                // actix-http would drop it.
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => {
                    this.raw.extend_from_slice(buf.filled());
                    this.shadow.extend_from_slice(buf.filled());
                    this.inspect();
                }
            }
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncWrite for HeadGuard<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let _ = this.drain(cx);
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let _ = this.drain(cx);
        Pin::new(&mut this.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}
