//! The live hub of the event stream (`GET /api/v1/events/`): one reader per process follows the
//! outbox and hands each event, encoded once, to the open streams it may be for; each stream
//! filters what it gets by the domain's policy for its reader, as the reader is now.
//!
//! ```text
//!  outbox ──(wake-up or 1 s poll)──> Hub::run: events_after(head) ──> Index (by Key)
//!                                         Arc<Frame> into the Inbox of each stream │ │ │
//!                                         following a key of the event, and a wake-up
//!                                                        Feed (one per stream): filter, SSE
//! ```
//!
//! The index only spares wake-ups: a stream follows the keys of every event its reader may be
//! told of (its ticket, or the tickets of a customer, or everything for staff; and its reader's
//! account), and still decides each event by the policy. An event wakes the streams of its
//! ticket, of its owner and of its account, and the staff's, not every stream.
//!
//! No query per stream per event: a stream reads the outbox itself only to resume (the events
//! after its `Last-Event-ID`), when its inbox overflowed (a slow client) and when its reader's
//! role changed its keys, then follows its inbox again. Its inbox holds every event of its keys
//! handed out since it subscribed, in id order, or says after which id it lost some: nothing is
//! lost, nothing repeated.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web::Bytes;
use chrono::Utc;
use ticketing_app::metrics;
use ticketing_app::{App, Backlog, Delivery, PresenceView, Recipients, StreamCaller, next_wakeup};
use ticketing_domain::presence::{PresenceNotice, Shown};
use ticketing_domain::{Actor, PresenceState, TicketId, UserId, policy};
use tokio::sync::{Notify, broadcast, watch};
use tokio::time::{Instant, MissedTickBehavior};

/// Events read from the outbox at once (by the hub, and by a stream catching up).
const PAGE: u32 = 200;
/// Events an inbox holds for a slow stream before it must catch up from the outbox (and the
/// presence broadcast's size).
const BUFFER: usize = 1024;
/// How often the hub reads the outbox without a wake-up (a lost notification delays, never
/// loses, an event).
const POLL: Duration = Duration::from_secs(1);
/// A stream without a token expiry (an API token's) still ends after this long; the client
/// reconnects with its last id.
const NO_END: Duration = Duration::from_secs(24 * 3600);
/// How often an idle stream sends a comment (proxies close silent connections).
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(15);
/// The hub's name as a consumer of the outbox (`ticketing_outbox_lag_events{consumer}`).
const CONSUMER: &str = "sse";
/// What a client waits before reconnecting (the SSE `retry:` field), in milliseconds.
const RETRY_MS: u32 = 3000;

/// One event, encoded once for every stream: its id, what the filter needs and the SSE text
/// (not the event itself: an inbox holds up to [`BUFFER`] of these).
#[derive(Debug)]
pub(crate) struct Frame {
    id: i64,
    recipients: Recipients,
    text: Bytes,
}

impl Frame {
    fn of(delivery: &Delivery) -> Option<Self> {
        Some(Self {
            id: delivery.id,
            recipients: delivery.recipients(),
            text: encode(delivery)?,
        })
    }
}

/// The SSE text of an event: `id:`, `event:` (its type) and `data:` (the domain's JSON of the
/// notice, on one line: JSON text has no raw line break).
fn encode(d: &Delivery) -> Option<Bytes> {
    match serde_json::to_string(&d.notice()) {
        Ok(json) => Some(Bytes::from(format!(
            "id: {}\nevent: {}\ndata: {json}\n\n",
            d.id,
            d.event.type_name()
        ))),
        Err(e) => {
            tracing::error!(error = %e, id = d.id, "an event could not be encoded; skipped");
            None
        }
    }
}

/// The `reset` event: the events after the client's resume point are gone; it reloads what it
/// shows and goes on after `head` (its new last id).
fn reset(head: i64) -> Bytes {
    Bytes::from(format!(
        "id: {head}\nevent: reset\ndata: {{\"type\":\"reset\",\"last_event_id\":{head}}}\n\n"
    ))
}

/// One staff member's presence on one ticket as last read, with its SSE text (`event:
/// presence`, no `id:`: presence is not in the outbox and does not move a resume point).
#[derive(Debug)]
pub(crate) struct PresenceFrame {
    ticket_id: TicketId,
    ticket_number: u64,
    user_id: UserId,
    name: String,
    /// `None` once left.
    state: Option<PresenceState>,
    expires_at: Option<chrono::DateTime<Utc>>,
    text: Bytes,
}

impl PresenceFrame {
    fn present(view: &PresenceView) -> Option<Self> {
        let p = &view.presence;
        Self::of(
            p.ticket_id,
            p.ticket_number,
            p.user_id,
            &view.name,
            Shown::Present {
                state: p.state,
                expires_at: p.expires_at,
            },
            p.at,
        )
    }

    /// The same staff member, gone (closed the ticket, or their presence expired).
    fn left(&self) -> Option<Self> {
        Self::of(
            self.ticket_id,
            self.ticket_number,
            self.user_id,
            &self.name,
            Shown::Left,
            Utc::now(),
        )
    }

    fn of(
        ticket_id: TicketId,
        ticket_number: u64,
        user_id: UserId,
        name: &str,
        shown: Shown,
        at: chrono::DateTime<Utc>,
    ) -> Option<Self> {
        let notice = PresenceNotice::new(ticket_id, Some(ticket_number), user_id, name, shown, at);
        let json = match serde_json::to_string(&notice) {
            Ok(json) => json,
            Err(e) => {
                tracing::error!(error = %e, "a presence could not be encoded; skipped");
                return None;
            }
        };
        let (state, expires_at) = match shown {
            Shown::Present { state, expires_at } => (Some(state), Some(expires_at)),
            Shown::Left => (None, None),
        };
        Some(Self {
            ticket_id,
            ticket_number,
            user_id,
            name: name.to_owned(),
            state,
            expires_at,
            text: Bytes::from(format!("event: presence\ndata: {json}\n\n")),
        })
    }

    /// Whether `reader` (following `ticket`, or every ticket) is told: other staff only.
    fn for_reader(&self, reader: &Actor, ticket: Option<TicketId>) -> bool {
        policy::sees_presence(reader)
            && reader.id != self.user_id
            && ticket.is_none_or(|t| t == self.ticket_id)
    }
}

/// The least time between two reads of the presence (each commit wakes the hub).
const PRESENCE_GAP: Duration = Duration::from_millis(50);

/// What a stream follows in the hub's [`Index`]: a superset of the events its reader may be told
/// of (the index never grants: each event is still decided by the policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    /// Every event: a staff stream without `?ticket=`.
    Everything,
    /// The events of one ticket (`?ticket=`).
    Ticket(TicketId),
    /// The events of the tickets of one owner: a customer's stream without `?ticket=`.
    Owner(UserId),
    /// The changes of one account: every stream of that reader (a role change or deactivation
    /// is checked at once).
    Account(UserId),
}

/// The keys of one stream: what it follows, and its reader's account.
type Keys = [Key; 2];

impl Key {
    /// The keys of the streams an event may be for.
    fn of(r: &Recipients) -> impl Iterator<Item = Key> {
        [
            Some(Key::Everything),
            r.ticket_id.map(Key::Ticket),
            r.audience.owner.map(Key::Owner),
            r.account.map(Key::Account),
        ]
        .into_iter()
        .flatten()
    }

    /// What a stream of `reader` (following `ticket`, or every ticket) subscribes to: every
    /// event it may deliver to them (`policy::sees_only_own_tickets`: a customer may be told of
    /// the events of their own tickets only) and the changes of their account.
    fn follow(reader: &Actor, ticket: Option<TicketId>) -> Keys {
        let events = match ticket {
            Some(t) => Key::Ticket(t),
            None if policy::sees_only_own_tickets(reader) => Key::Owner(reader.id),
            None => Key::Everything,
        };
        [events, Key::Account(reader.id)]
    }
}

/// The events handed to one stream and not taken yet, and its wake-up.
#[derive(Debug, Default)]
struct Inbox {
    queue: Mutex<Queue>,
    wake: Notify,
}

#[derive(Debug, Default)]
struct Queue {
    frames: VecDeque<Arc<Frame>>,
    /// The id of the last frame queued (an event of two of the stream's keys is queued once).
    queued: i64,
    /// Set when a frame was dropped (the queue was full): every frame for the stream up to this
    /// id was queued, the later ones must be read from the outbox. Nothing is queued until the
    /// stream has taken it.
    lost_after: Option<i64>,
}

/// What a stream finds in its inbox.
#[derive(Debug)]
enum Taken {
    /// The next event handed to it.
    Frame(Arc<Frame>),
    /// It missed events after this id: read them from the outbox.
    Lost(i64),
    /// Nothing: wait for the wake-up.
    Empty,
}

impl Inbox {
    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `frame` (unless queued already or the stream must catch up first) and wakes the
    /// stream.
    fn push(&self, frame: &Arc<Frame>) {
        {
            let mut q = self.queue();
            if frame.id <= q.queued || q.lost_after.is_some() {
                return;
            }
            if q.frames.len() >= BUFFER {
                q.lost_after = Some(frame.id - 1);
            } else {
                q.queued = frame.id;
                q.frames.push_back(Arc::clone(frame));
            }
        }
        self.wake.notify_one();
    }

    /// Marks every event after `id` as missed (the stream reads the outbox after it).
    fn lose_after(&self, id: i64) {
        self.queue().lost_after.get_or_insert(id);
        self.wake.notify_one();
    }

    fn take(&self) -> Taken {
        let mut q = self.queue();
        if let Some(frame) = q.frames.pop_front() {
            if q.frames.is_empty() && q.frames.capacity() > 64 {
                // A burst is over: give its memory back.
                q.frames = VecDeque::new();
            }
            return Taken::Frame(frame);
        }
        match q.lost_after.take() {
            Some(id) => Taken::Lost(id),
            None => Taken::Empty,
        }
    }
}

/// The open streams by key, and how far the hub has handed events out.
#[derive(Debug, Default)]
struct Index {
    /// The id of the last event handed out (every later one will be); `None` until the hub has
    /// read where the outbox stands.
    head: Option<i64>,
    next: u64,
    streams: HashMap<Key, HashMap<u64, Arc<Inbox>>>,
}

impl Index {
    /// Adds a stream under `keys`: its number, and the id after which every event of its keys
    /// will reach its inbox (`None`: from where the hub starts, the inbox is told).
    fn add(&mut self, keys: Keys, inbox: &Arc<Inbox>) -> (u64, Option<i64>) {
        self.next += 1;
        for key in keys {
            self.streams
                .entry(key)
                .or_default()
                .insert(self.next, Arc::clone(inbox));
        }
        (self.next, self.head)
    }

    fn remove(&mut self, number: u64, keys: Keys) {
        for key in keys {
            if let Some(set) = self.streams.get_mut(&key) {
                set.remove(&number);
                if set.is_empty() {
                    self.streams.remove(&key);
                }
            }
        }
    }

    /// The hub starts after `head`: the streams that subscribed before read the outbox after
    /// their own position (events up to `head` are never handed out).
    fn start(&mut self, head: i64) {
        self.head = Some(head);
        for inbox in self.streams.values().flat_map(HashMap::values) {
            inbox.lose_after(i64::MIN);
        }
    }

    /// Hands event `id` (`None`: it could not be encoded) to the streams of its keys.
    fn hand_out(&mut self, id: i64, frame: Option<&Arc<Frame>>) {
        if let Some(frame) = frame {
            for key in Key::of(&frame.recipients) {
                for inbox in self.streams.get(&key).into_iter().flat_map(HashMap::values) {
                    inbox.push(frame);
                }
            }
        }
        self.head = Some(id);
    }
}

/// A stream's place in the index (left when dropped).
#[derive(Debug)]
struct Subscription {
    hub: Arc<Hub>,
    number: u64,
    keys: Keys,
    inbox: Arc<Inbox>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.index().remove(self.number, self.keys);
    }
}

/// The process's reader of the outbox and its fan-out, plus the count of open streams per user.
#[derive(Debug)]
pub(crate) struct Hub {
    app: App,
    /// The open streams by what they follow.
    index: Mutex<Index>,
    /// Presence changes, for the staff streams.
    presence_tx: broadcast::Sender<Arc<PresenceFrame>>,
    /// The presence as last read, by ticket and user: what a new stream is told first. Changed
    /// and broadcast under this lock, so a stream that subscribes under it misses nothing.
    present: Mutex<HashMap<(TicketId, UserId), Arc<PresenceFrame>>>,
    /// Set when the server stops: every stream ends (its client reconnects elsewhere).
    closing: watch::Sender<bool>,
    started: AtomicBool,
    streams: Mutex<HashMap<UserId, u32>>,
    per_user: u32,
}

impl Hub {
    pub(crate) fn new(app: App, per_user: u32) -> Self {
        Self {
            app,
            index: Mutex::new(Index::default()),
            presence_tx: broadcast::channel(BUFFER).0,
            present: Mutex::new(HashMap::new()),
            closing: watch::channel(false).0,
            started: AtomicBool::new(false),
            streams: Mutex::new(HashMap::new()),
            per_user,
        }
    }

    fn index(&self) -> std::sync::MutexGuard<'_, Index> {
        self.index.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new place in the index for a stream following `keys`, and the id after which every
    /// event of its keys reaches it (`None`: it is told where to read from once the hub starts).
    fn subscribe(self: &Arc<Self>, keys: Keys) -> (Subscription, Option<i64>) {
        let inbox = Arc::new(Inbox::default());
        let (number, from) = self.index().add(keys, &inbox);
        (
            Subscription {
                hub: Arc::clone(self),
                number,
                keys,
                inbox,
            },
            from,
        )
    }

    /// Hands these events (read in order after the last handed out) to the streams they may be
    /// for: encoded here, once, outside the index's lock.
    fn hand_out(&self, list: &[Delivery]) {
        let frames: Vec<(i64, Option<Arc<Frame>>)> = list
            .iter()
            .map(|d| (d.id, Frame::of(d).map(Arc::new)))
            .collect();
        let mut index = self.index();
        for (id, frame) in &frames {
            index.hand_out(*id, frame.as_ref());
        }
    }

    /// Starts the reader on the current runtime (once; later calls do nothing).
    pub(crate) fn start(self: &Arc<Self>) {
        if !self.started.swap(true, Ordering::AcqRel) {
            tokio::spawn(Arc::clone(self).run());
            tokio::spawn(Arc::clone(self).run_presence());
        }
    }

    /// Follows the presence table: at each wake-up (at most every [`PRESENCE_GAP`]) and every
    /// [`POLL`], reads every unexpired presence and broadcasts what changed since the last read
    /// (a new or refreshed presence, or one that is gone: left or expired).
    async fn run_presence(self: Arc<Self>) {
        let mut wake = self.app.event_wakeups();
        loop {
            wake.borrow_and_update();
            match self.app.current_presence().await {
                Ok(list) => self.compare_presence(list),
                Err(e) => tracing::warn!(error = %e, "the event hub cannot read the presence"),
            }
            tokio::time::sleep(PRESENCE_GAP).await;
            next_wakeup(&mut wake, POLL, Duration::ZERO).await;
        }
    }

    /// Broadcasts the differences between `list` and the presence read before, and keeps `list`.
    fn compare_presence(&self, list: Vec<PresenceView>) {
        let mut present = self.present.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = HashMap::with_capacity(list.len());
        for view in list {
            let key = (view.presence.ticket_id, view.presence.user_id);
            let frame = match present.remove(&key) {
                Some(old)
                    if old.state == Some(view.presence.state)
                        && old.expires_at == Some(view.presence.expires_at) =>
                {
                    Some(old)
                }
                _ => PresenceFrame::present(&view).map(|f| {
                    let f = Arc::new(f);
                    let _ = self.presence_tx.send(Arc::clone(&f));
                    f
                }),
            };
            if let Some(frame) = frame {
                next.insert(key, frame);
            }
        }
        for gone in present.values() {
            if let Some(left) = gone.left() {
                let _ = self.presence_tx.send(Arc::new(left));
            }
        }
        *present = next;
    }

    /// A receiver of presence changes, and the presence now (read under one lock: nothing in
    /// between is missed).
    fn follow_presence(
        &self,
    ) -> (
        broadcast::Receiver<Arc<PresenceFrame>>,
        Vec<Arc<PresenceFrame>>,
    ) {
        let present = self.present.lock().unwrap_or_else(|p| p.into_inner());
        (
            self.presence_tx.subscribe(),
            present.values().cloned().collect(),
        )
    }

    /// Follows the outbox: at each wake-up (or poll), hands out every event after the last one
    /// handed out, in order.
    async fn run(self: Arc<Self>) {
        let mut wake = self.app.event_wakeups();
        let mut head = loop {
            match self.app.last_event_id().await {
                Ok(head) => break head,
                Err(e) => {
                    tracing::warn!(error = %e, "the event hub cannot read the outbox; retrying");
                    tokio::time::sleep(POLL).await;
                }
            }
        };
        self.index().start(head);
        loop {
            wake.borrow_and_update();
            if let Ok(newest) = self.app.last_event_id().await {
                metrics::set_outbox_lag(CONSUMER, u64::try_from(newest - head).unwrap_or(0));
            }
            loop {
                match self.app.events_after(head, PAGE).await {
                    Ok(list) => {
                        let full = list.len() >= PAGE as usize;
                        if let Some(d) = list.last() {
                            head = d.id;
                        }
                        self.hand_out(&list);
                        if !full {
                            metrics::set_outbox_lag(CONSUMER, 0);
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "the event hub cannot read the outbox");
                        break;
                    }
                }
            }
            next_wakeup(&mut wake, POLL, Duration::ZERO).await;
        }
    }

    /// Ends every open stream (the server is stopping; their clients reconnect with their last
    /// id, to another replica or to this one once it is back).
    pub(crate) fn close(&self) {
        self.closing.send_replace(true);
    }

    /// A place for one more stream of `user`; `None` when they have `per_user` open already.
    pub(crate) fn slot(self: &Arc<Self>, user: UserId) -> Option<Slot> {
        let mut streams = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        let open = streams.entry(user).or_insert(0);
        if *open >= self.per_user {
            return None;
        }
        *open += 1;
        Some(Slot {
            hub: Arc::clone(self),
            user,
            _open: metrics::sse_stream_opened(),
        })
    }
}

/// The next message of `rx`; never when there is none (a reader who may not see presence).
async fn recv_some<T: Clone>(
    rx: Option<&mut broadcast::Receiver<T>>,
) -> Result<T, broadcast::error::RecvError> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Sleeps until `at` (forever without one; the caller guards the branch).
async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// One open stream of a user; gives its place back when dropped (the client went away).
#[derive(Debug)]
pub(crate) struct Slot {
    hub: Arc<Hub>,
    user: UserId,
    /// Counts the stream in `ticketing_sse_streams_open` while it lives.
    _open: metrics::Open,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut streams = self.hub.streams.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(open) = streams.get_mut(&self.user) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                streams.remove(&self.user);
            }
        }
    }
}

/// One stream: what its reader may see, where it is, what is ready to send.
pub(crate) struct Feed {
    app: App,
    /// Its place in the hub's index, by its reader and ticket (changed with the reader's role).
    sub: Subscription,
    /// Presence changes, followed while the reader may see presence (staff): a customer's
    /// stream is not woken by the staff's comings and goings.
    presence: Option<broadcast::Receiver<Arc<PresenceFrame>>>,
    closing: watch::Receiver<bool>,
    /// Who reads, as authenticated (checked again while the stream runs).
    caller: StreamCaller,
    /// The reader as last checked (their current role).
    actor: Actor,
    ticket: Option<TicketId>,
    /// Every event up to this id was sent or filtered out (or was not for the stream's keys).
    last: i64,
    /// Read the outbox after `last` before following the inbox again.
    catch_up: bool,
    ready: VecDeque<Bytes>,
    ends: Instant,
    heartbeat: tokio::time::Interval,
    checked: Instant,
    recheck: Duration,
    /// The user cache's delay: how long after a change of the reader's account another
    /// process may still see the old account.
    cache_ttl: Duration,
    /// When to check the reader again because their account changed.
    recheck_at: Option<Instant>,
    done: bool,
    _slot: Slot,
}

impl Feed {
    /// Opens a stream for `caller` (following one ticket when `ticket` is given), resuming after
    /// `resume` (replaying what came after it, or a reset) or starting with the next event.
    pub(crate) async fn open(
        app: App,
        hub: &Arc<Hub>,
        caller: StreamCaller,
        ticket: Option<TicketId>,
        resume: Option<i64>,
        slot: Slot,
    ) -> Result<Self, ticketing_app::AppError> {
        hub.start();
        // Subscribe first: every event of its keys the hub hands out from now on (after `from`)
        // reaches this stream, and every earlier one is already in the outbox (read below, or
        // before `last`).
        let (sub, from) = hub.subscribe(Key::follow(&caller.actor, ticket));
        let closing = hub.closing.subscribe();
        let (last, catch_up) = match resume {
            Some(id) => (id, true),
            None => {
                let last = app.last_event_id().await?;
                (last, from.is_some_and(|from| last < from))
            }
        };
        // An API token has no end of its own here: the checks find its expiry or revocation.
        let ends = match caller.expires_at {
            Some(at) => Instant::now() + (at - Utc::now()).to_std().unwrap_or(Duration::ZERO),
            None => Instant::now() + NO_END,
        };
        let mut heartbeat = tokio::time::interval_at(Instant::now() + HEARTBEAT, HEARTBEAT);
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let cache_ttl = app.settings().user_cache_ttl;
        let recheck = cache_ttl.max(Duration::from_secs(1));
        let ready = VecDeque::from([Bytes::from(format!("retry: {RETRY_MS}\n\n"))]);
        let mut feed = Self {
            sub,
            presence: None,
            closing,
            actor: caller.actor,
            caller,
            ticket,
            last,
            catch_up,
            ready,
            ends,
            heartbeat,
            checked: Instant::now(),
            recheck,
            cache_ttl,
            recheck_at: None,
            done: false,
            _slot: slot,
            app,
        };
        feed.follow_presence();
        Ok(feed)
    }

    /// Follows the presence while the reader may see it (telling them first who is on the
    /// ticket(s) now), and no longer when they may not (a role change).
    fn follow_presence(&mut self) {
        match (policy::sees_presence(&self.actor), self.presence.is_some()) {
            (true, false) => {
                let (rx, present) = self.sub.hub.follow_presence();
                self.presence = Some(rx);
                self.ready.extend(
                    present
                        .iter()
                        .filter(|f| f.state.is_some() && f.for_reader(&self.actor, self.ticket))
                        .map(|f| f.text.clone()),
                );
            }
            (false, true) => self.presence = None,
            _ => {}
        }
    }

    /// The body of the response: the chunks of [`Feed::next`] until it ends.
    pub(crate) fn into_body(
        self,
    ) -> impl futures_util::Stream<Item = Result<Bytes, std::convert::Infallible>> {
        futures_util::stream::unfold(self, |mut feed| async move {
            let chunk = feed.next().await?;
            Some((Ok(chunk), feed))
        })
    }

    /// The next chunk to send; `None` ends the stream (the token expired, the reader was
    /// deactivated or signed out everywhere, the outbox cannot be read: the client reconnects
    /// with its last id).
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if let Some(chunk) = self.ready.pop_front() {
                return Some(chunk);
            }
            if self.done || *self.closing.borrow() {
                return None;
            }
            if self.catch_up {
                self.read_outbox().await;
                continue;
            }
            // A stream kept busy by its inbox still ends when its token does.
            if Instant::now() >= self.ends {
                self.expired();
                continue;
            }
            match self.sub.inbox.take() {
                Taken::Frame(frame) => {
                    self.follow(&frame).await;
                    continue;
                }
                Taken::Lost(after) => {
                    self.last = self.last.max(after);
                    self.catch_up = true;
                    continue;
                }
                Taken::Empty => {}
            }
            let inbox = Arc::clone(&self.sub.inbox);
            tokio::select! {
                biased;
                () = tokio::time::sleep_until(self.ends) => self.expired(),
                _ = self.closing.changed() => self.done = true,
                () = inbox.wake.notified() => {}
                presence = recv_some(self.presence.as_mut()) => match presence {
                    Ok(frame) => {
                        if frame.for_reader(&self.actor, self.ticket) {
                            self.ready.push_back(frame.text.clone());
                        }
                    }
                    // Presence is refreshed every 15 s: a missed change is repaired by the next.
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => self.done = true,
                },
                _ = self.heartbeat.tick() => {
                    if self.still_allowed(true).await {
                        self.ready.push_back(Bytes::from_static(b": heartbeat\n\n"));
                    }
                }
                () = sleep_until_some(self.recheck_at), if self.recheck_at.is_some() => {
                    self.recheck_at = None;
                    self.still_allowed(true).await;
                }
            }
        }
    }

    /// The token expired: the stream ends, saying why.
    fn expired(&mut self) {
        self.done = true;
        self.ready
            .push_back(Bytes::from_static(b": the access token expired\n\n"));
    }

    /// An event of the inbox: delivered if the reader may see it; one up to `last` was read
    /// from the outbox already. The ids between two events of the inbox are events of other
    /// keys: none the reader may be told of.
    async fn follow(&mut self, frame: &Frame) {
        let id = frame.id;
        if id <= self.last {
            return;
        }
        let changed = self.about_reader(&frame.recipients);
        // Neither for the reader (as last checked) nor about their account: passed over without
        // a check. Checking on every event would authenticate every stream once a second while
        // anything is written (10 000 streams: 10 000 checks a second, the user cache's misses
        // all at once); a change of the reader's account reaches them as `changed`, and the
        // heartbeat checks every stream.
        if !changed && !frame.recipients.admit(&self.actor, self.ticket) {
            self.last = id;
            return;
        }
        if !self.still_allowed(changed).await {
            return;
        }
        self.last = id;
        if frame.recipients.admit(&self.actor, self.ticket) {
            self.ready.push_back(frame.text.clone());
        }
    }

    /// Reads the outbox after `last`: one page of events, a reset, or nothing more (then the
    /// inbox takes over).
    async fn read_outbox(&mut self) {
        if !self.still_allowed(false).await {
            return;
        }
        match self.app.event_backlog(self.last, PAGE).await {
            Ok(Backlog::Reset { head }) => {
                self.last = head;
                self.ready.push_back(reset(head));
            }
            Ok(Backlog::Events(list)) if list.is_empty() => self.catch_up = false,
            Ok(Backlog::Events(list)) => {
                for d in list {
                    if self.about_reader(&d.recipients()) && !self.still_allowed(true).await {
                        return;
                    }
                    self.last = d.id;
                    if d.is_for(&self.actor, self.ticket) {
                        if let Some(text) = encode(&d) {
                            self.ready.push_back(text);
                        }
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "an event stream cannot read the outbox; ending it");
                self.done = true;
            }
        }
    }

    /// Whether `d` changed the reader's account (a role change, a deactivation…): then they are
    /// checked again now, and once more when the user cache of every process has forgotten the
    /// old account (a change made through another process reaches this one's cache only then).
    fn about_reader(&mut self, r: &Recipients) -> bool {
        let mine = r.account == Some(self.caller.actor.id);
        if mine {
            self.recheck_at = Some(Instant::now() + self.cache_ttl + Duration::from_millis(100));
        }
        mine
    }

    /// Subscribes again when the reader's role changed what the stream follows (a customer made
    /// staff follows every ticket), and reads the outbox after `last` with the new keys (the
    /// events in between were handed out by the old ones).
    fn follow_keys(&mut self) {
        let keys = Key::follow(&self.actor, self.ticket);
        if keys != self.sub.keys {
            self.sub = self.sub.hub.subscribe(keys).0;
            self.catch_up = true;
        }
        self.follow_presence();
    }

    /// Whether the reader may still follow: checked again (through the user cache) when the
    /// last check is older than the cache's delay, or `now`. Ends the stream otherwise.
    async fn still_allowed(&mut self, now: bool) -> bool {
        if self.done {
            return false;
        }
        if !now && self.checked.elapsed() < self.recheck {
            return true;
        }
        match self.app.event_stream_recheck(&self.caller).await {
            Ok(Some(actor)) => {
                self.actor = actor;
                self.checked = Instant::now();
                self.follow_keys();
                true
            }
            Ok(None) => {
                self.done = true;
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, "an event stream cannot check its reader; ending it");
                self.done = true;
                false
            }
        }
    }
}

#[cfg(test)]
mod tests;
