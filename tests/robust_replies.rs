//! Fuzzing the reply framing: an in-process adapter (the reference, on a thread, over a
//! Unix socket pair) answers every request correctly except one, which it breaks in a
//! random way: written twice, stale, dropped, truncated, a flipped byte, bytes that are not
//! UTF-8, a line over the size limit, a log line before the reply, or the wrong `seq`.
//!
//! Held for every case: no panic, no hang past the step timeout, and every break of the
//! protocol is an ERROR, never a FAIL or a PASS. A flipped byte may still be a valid reply
//! with other content, which is a legitimate FAIL; it is only held to "no panic".
//! Without `seq`, a stale reply is indistinguishable from a wrong one (PROTOCOL.md,
//! "Framing"), so that one combination is left out of the strict check.

use cxspec_conformance::adapter::{Implementation, ReferenceAdapter};
use cxspec_conformance::framing::{Framed, Limits};
use cxspec_conformance::protocol::{Request, PROTOCOL_VERSION};
use cxspec_conformance::runner::{run_case, Verdict};
use cxspec_conformance::vector::{load_dir, Vector};
use proptest::prelude::*;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::OnceLock;

const MAX_REPLY_BYTES: usize = 16 * 1024;

#[derive(Clone, Debug)]
enum Fault {
    Duplicate,
    Stale,
    Drop,
    Truncate(usize),
    FlipByte(usize, u8),
    NotUtf8,
    Oversize,
    LogLineFirst,
    WrongSeq,
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        Just(Fault::Duplicate),
        Just(Fault::Stale),
        Just(Fault::Drop),
        any::<usize>().prop_map(Fault::Truncate),
        (any::<usize>(), 1u8..).prop_map(|(i, b)| Fault::FlipByte(i, b)),
        Just(Fault::NotUtf8),
        Just(Fault::Oversize),
        Just(Fault::LogLineFirst),
        Just(Fault::WrongSeq),
    ]
}

fn vectors() -> &'static [Vector] {
    static VECTORS: OnceLock<Vec<Vector>> = OnceLock::new();
    VECTORS.get_or_init(|| {
        let (all, _) = load_dir(Path::new("conformance/vectors")).expect("vectors");
        all.into_iter()
            .filter(|v| v.origin.starts_with("seed:") && v.suite.name() == "sla")
            .take(6)
            .collect()
    })
}

/// Serves the reference on `stream`, breaking the reply to request number `at` (1-based).
fn faulty_adapter(stream: UnixStream, fault: Fault, at: usize, echo_seq: bool) {
    let mut out = stream.try_clone().expect("clone");
    let mut reference = ReferenceAdapter::new(None);
    let mut previous = String::from("{\"ok\":true}");
    for (i, line) in BufReader::new(stream).lines().enumerate() {
        let Ok(line) = line else { return };
        let mut value: serde_json::Value = serde_json::from_str(&line).expect("requests parse");
        let seq = value.as_object_mut().and_then(|o| o.remove("seq"));
        let request: Request = serde_json::from_value(value).expect("requests parse");
        let mut reply = reference.handle(&request);
        if echo_seq {
            reply.seq = seq.and_then(|s| s.as_u64());
        }
        let n = i + 1;
        if n == at && echo_seq && matches!(fault, Fault::WrongSeq) {
            reply.seq = reply.seq.map(|s| s + 1);
        }
        let text = serde_json::to_string(&reply).expect("replies serialize");
        let bytes: Vec<u8> = if n != at {
            format!("{text}\n").into_bytes()
        } else {
            match &fault {
                Fault::Duplicate => format!("{text}\n{text}\n").into_bytes(),
                Fault::Stale => format!("{previous}\n").into_bytes(),
                Fault::Drop => Vec::new(),
                Fault::Truncate(k) => format!("{}\n", &text[..k % text.len()]).into_bytes(),
                Fault::FlipByte(k, mask) => {
                    let mut b = text.clone().into_bytes();
                    let k = k % b.len();
                    b[k] ^= mask;
                    b.push(b'\n');
                    b
                }
                Fault::NotUtf8 => {
                    let mut b = vec![0xff];
                    b.extend(text.as_bytes());
                    b.push(b'\n');
                    b
                }
                Fault::Oversize => {
                    let mut b = vec![b'x'; MAX_REPLY_BYTES + 10];
                    b.push(b'\n');
                    b
                }
                Fault::LogLineFirst => format!("INFO starting step\n{text}\n").into_bytes(),
                Fault::WrongSeq => format!("{text}\n").into_bytes(),
            }
        };
        previous = text;
        if out.write_all(&bytes).and_then(|()| out.flush()).is_err() {
            return;
        }
    }
}

/// Whether the fault breaks the protocol in a way the runner must see.
fn must_be_error(fault: &Fault, at: usize, echo_seq: bool) -> bool {
    match fault {
        Fault::FlipByte(..) => false,
        // Before the first reply there is nothing stale to send: the harness sends a bare
        // `{"ok":true}`, a valid answer to `hello`.
        Fault::Stale => echo_seq && at > 1,
        Fault::WrongSeq => echo_seq,
        _ => true,
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_broken_reply_is_an_error_never_a_verdict(
        index in 0usize..6,
        fault in fault(),
        at_fraction in 0.0f64..1.0,
        echo_seq in any::<bool>(),
    ) {
        let vector = &vectors()[index % vectors().len()];
        // Requests: hello, reset, then one per step.
        let requests = vector.steps.len() + 2;
        let at = 1 + ((requests as f64) * at_fraction) as usize;
        let (ours, theirs) = UnixStream::pair().expect("socket pair");
        let adapter = {
            let fault = fault.clone();
            std::thread::spawn(move || faulty_adapter(theirs, fault, at, echo_seq))
        };
        let limits = Limits { step_timeout_ms: 300, max_reply_bytes: MAX_REPLY_BYTES };
        let control = ours.try_clone().expect("clone");
        let mut framed = Framed::new(ours.try_clone().expect("clone"), ours, limits);
        let verdict = match framed.request(&Request::Hello { protocol: PROTOCOL_VERSION }) {
            Err(e) => Verdict::Error { step: None, message: format!("hello: {e}") },
            Ok(_) => run_case(&mut framed, vector, None, None).verdict,
        };
        // Both ends see end of file, whoever still holds a descriptor of the socket.
        let _ = control.shutdown(std::net::Shutdown::Both);
        drop(framed);
        let _ = adapter.join();
        if must_be_error(&fault, at, echo_seq) {
            prop_assert!(
                matches!(verdict, Verdict::Error { .. }),
                "{fault:?} at request {at} of {requests} (echo {echo_seq}) of {}: {verdict:?}",
                vector.id
            );
        }
    }
}

#[test]
fn an_unbroken_adapter_passes() {
    // The harness itself: with the fault beyond the last request, every case passes.
    for vector in vectors() {
        for echo_seq in [true, false] {
            let (ours, theirs) = UnixStream::pair().expect("socket pair");
            let adapter = std::thread::spawn(move || {
                faulty_adapter(theirs, Fault::Drop, usize::MAX, echo_seq)
            });
            let limits = Limits {
                step_timeout_ms: 2_000,
                max_reply_bytes: MAX_REPLY_BYTES,
            };
            let control = ours.try_clone().expect("clone");
            let mut framed = Framed::new(ours.try_clone().expect("clone"), ours, limits);
            framed
                .request(&Request::Hello {
                    protocol: PROTOCOL_VERSION,
                })
                .expect("hello");
            let verdict = run_case(&mut framed, vector, None, None).verdict;
            let _ = control.shutdown(std::net::Shutdown::Both);
            drop(framed);
            let _ = adapter.join();
            assert_eq!(verdict, Verdict::Pass, "{} echo {echo_seq}", vector.id);
        }
    }
}
