//! Chapter 7: the broadcast, which queues and never waits.

use crate::check::{catching_panics, expect_eq, Check, Failure};
use crate::given::{leave_notice, Member, Outgoing};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

pub struct Impl {
    pub broadcast: fn(&mut Vec<Member>, &str) -> Vec<String>,
}

/// How long a broadcast may take before the check calls it stuck. A correct
/// one takes microseconds; this only turns a hang into a failure.
const STUCK: Duration = Duration::from_secs(5);

/// The broadcasts already seen stuck, by address: the next checks give them
/// [`STUCK_AGAIN`] instead, so one mistake does not cost every check [`STUCK`].
static SEEN_STUCK: Mutex<Vec<usize>> = Mutex::new(Vec::new());
const STUCK_AGAIN: Duration = Duration::from_millis(200);

/// A member with a queue of `capacity`, already holding `waiting` messages,
/// and the writer's end of its queue.
fn member(name: &str, capacity: usize, waiting: usize) -> (Member, Receiver<Outgoing>) {
    let (queue, inbox) = mpsc::sync_channel(capacity);
    for i in 0..waiting {
        queue.try_send(format!("old {i}").into()).unwrap();
    }
    let member = Member {
        name: name.to_string(),
        queue,
    };
    (member, inbox)
}

/// What is waiting in a queue, without waiting for more.
fn drain(inbox: &Receiver<Outgoing>) -> Vec<String> {
    inbox.try_iter().map(|text| text.to_string()).collect()
}

fn names(members: &[Member]) -> Vec<&str> {
    members.iter().map(|m| m.name.as_str()).collect()
}

/// Runs the broadcast on a thread of its own, so that a broadcast that waits
/// on a full queue can be seen to wait: after [`STUCK`], the queues are
/// drained to let it finish, and the check fails.
fn broadcast_watched(
    lab: &Impl,
    mut members: Vec<Member>,
    inboxes: &[Receiver<Outgoing>],
    text: &'static str,
) -> Result<(Vec<Member>, Vec<String>), Failure> {
    let broadcast = lab.broadcast;
    let (done, finished) = mpsc::channel();
    let worker = thread::spawn(move || {
        let result = catching_panics(|| broadcast(&mut members, text));
        let _ = done.send(result.map(|dropped| (members, dropped)));
    });
    let address = broadcast as usize;
    let stuck_before = SEEN_STUCK
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .contains(&address);
    let patience = if stuck_before { STUCK_AGAIN } else { STUCK };
    let result = match finished.recv_timeout(patience) {
        Ok(result) => result.map_err(|panic| Failure::said("broadcast to return", panic)),
        Err(RecvTimeoutError::Timeout) => {
            SEEN_STUCK
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(address);
            // Drain the queues so that a broadcast waiting on one can finish;
            // one that still does not (it retries for ever) is left behind, and
            // ends when the caller drops the queues' receivers.
            let deadline = Instant::now() + STUCK;
            while finished.try_recv().is_err() && !worker.is_finished() && Instant::now() < deadline
            {
                for inbox in inboxes {
                    let _ = inbox.try_recv();
                }
                thread::yield_now();
            }
            return Err(Failure::said(
                format!("broadcast({text:?}) to return at once, whatever the queues hold"),
                format!("it was still waiting after {patience:?}, on a full queue"),
            ));
        }
        Err(RecvTimeoutError::Disconnected) => unreachable!("the worker always sends"),
    };
    let _ = worker.join();
    result
}

pub fn checks() -> Vec<Check<Impl>> {
    vec![
        Check {
            name: "everyone_gets_the_message",
            expect: "every member's queue gets the text, and nobody is dropped",
            hint: "Loop over the members and put the text in each one's queue \
                   (try_send: it never waits).",
            section: "tutorial/07-the-chat-room.md#broadcast-queue-never-write",
            run: |lab| {
                let (a, ia) = member("a", 4, 0);
                let (b, ib) = member("b", 4, 1);
                let (c, ic) = member("c", 4, 3);
                let inboxes = [ia, ib, ic];
                let (left, dropped) = broadcast_watched(lab, vec![a, b, c], &inboxes, "hi")?;
                expect_eq("who was dropped", Vec::<String>::new(), dropped)?;
                expect_eq("who is left", vec!["a", "b", "c"], names(&left))?;
                let got: Vec<Vec<String>> = inboxes.iter().map(drain).collect();
                let expected = [vec!["hi"], vec!["old 0", "hi"], vec!["old 0", "old 1", "old 2", "hi"]];
                expect_eq("the queues of a, b and c", expected.map(|v| v.join(" | ")).to_vec(), got.iter().map(|v| v.join(" | ")).collect())
            },
        },
        Check {
            name: "one_copy_for_everyone",
            expect: "every queue holds the same Arc: the text is in memory once",
            hint: "Make one Outgoing (Arc<str>) from the text, and give each queue an \
                   Arc::clone of it: a new pointer, not a new copy of the text.",
            section: "tutorial/07-the-chat-room.md#the-room",
            run: |lab| {
                let (a, ia) = member("a", 2, 0);
                let (b, ib) = member("b", 2, 0);
                let inboxes = [ia, ib];
                broadcast_watched(lab, vec![a, b], &inboxes, "shared")?;
                let (Ok(first), Ok(second)) = (inboxes[0].try_recv(), inboxes[1].try_recv()) else {
                    return Err(Failure::said("a message in both queues", "an empty queue"));
                };
                if Arc::ptr_eq(&first, &second) {
                    Ok(())
                } else {
                    Err(Failure::said(
                        "one Arc<str> shared by both queues",
                        "two separate copies of \"shared\"",
                    ))
                }
            },
        },
        Check {
            name: "broadcast_never_waits",
            expect: "a member whose queue is full is dropped at once, and the others still get the text",
            hint: "SyncSender::send waits for room, and a member that stopped reading never \
                   makes any: the whole room would stop with it. try_send answers \
                   Full at once; drop that member.",
            section: "tutorial/07-the-chat-room.md#broadcast-queue-never-write",
            run: |lab| {
                let (a, ia) = member("a", 4, 0);
                let (stuck, istuck) = member("stuck", 2, 2);
                let (c, ic) = member("c", 4, 0);
                let inboxes = [ia, istuck, ic];
                let (left, dropped) = broadcast_watched(lab, vec![a, stuck, c], &inboxes, "hi")?;
                expect_eq("who was dropped", vec!["stuck".to_string()], dropped)?;
                expect_eq("who is left", vec!["a", "c"], names(&left))?;
                expect_eq("a's first message", Some("hi".to_string()), drain(&inboxes[0]).first().cloned())
            },
        },
        Check {
            name: "leaving_is_announced",
            expect: "the members left are told who was dropped, after the text itself",
            hint: "After removing a member, send leave_notice(name) to everyone left, the \
                   same way: it is one more broadcast.",
            section: "tutorial/07-the-chat-room.md#dropping-a-member",
            run: |lab| {
                let (a, ia) = member("a", 4, 0);
                let (stuck, istuck) = member("stuck", 1, 1);
                let inboxes = [ia, istuck];
                broadcast_watched(lab, vec![a, stuck], &inboxes, "hi")?;
                let expected = vec!["hi".to_string(), leave_notice("stuck")];
                expect_eq("a's queue", expected, drain(&inboxes[0]))
            },
        },
        Check {
            name: "a_leave_can_drop_another",
            expect: "a leave notice that finds another full queue drops that member too, and is announced in turn",
            hint: "Announcing a departure is a broadcast, and it can fill a queue. Keep a \
                   list of texts still to send (a VecDeque) and loop until it is empty; it \
                   ends, because every round that drops someone leaves fewer members.",
            section: "tutorial/07-the-chat-room.md#broadcast-queue-never-write",
            run: |lab| {
                let (a, ia) = member("a", 8, 0);
                let (b, ib) = member("b", 1, 1);
                let (c, ic) = member("c", 1, 0);
                let inboxes = [ia, ib, ic];
                let (left, dropped) = broadcast_watched(lab, vec![a, b, c], &inboxes, "hi")?;
                expect_eq("who was dropped, in order", vec!["b".to_string(), "c".to_string()], dropped)?;
                expect_eq("who is left", vec!["a"], names(&left))?;
                let expected = vec!["hi".to_string(), leave_notice("b"), leave_notice("c")];
                expect_eq("a's queue", expected, drain(&inboxes[0]))
            },
        },
        Check {
            name: "a_stopped_writer_is_left_alone",
            expect: "a member whose queue is disconnected (its writer stopped) is not dropped by the broadcast",
            hint: "try_send fails in two ways. Full: the member is too slow, drop it. \
                   Disconnected: its writer thread has stopped because the socket failed, \
                   and the member's own thread is already on its way out.",
            section: "tutorial/07-the-chat-room.md#broadcast-queue-never-write",
            run: |lab| {
                let (a, ia) = member("a", 4, 0);
                let (gone, igone) = member("gone", 4, 0);
                drop(igone);
                let inboxes = [ia];
                let (left, dropped) = broadcast_watched(lab, vec![a, gone], &inboxes, "hi")?;
                expect_eq("who was dropped", Vec::<String>::new(), dropped)?;
                expect_eq("who is left", vec!["a", "gone"], names(&left))?;
                expect_eq("a's queue", vec!["hi".to_string()], drain(&inboxes[0]))
            },
        },
    ]
}
