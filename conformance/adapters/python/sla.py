"""A second, independent implementation of the Conversation Monitor's SLA rules.

Written in Python (standard library only) from the rule descriptions of spec/RULES.md,
section "SLA (Conversation Monitor)", and the Event / Agent SLA / Customer SLA table of
shared/sources/949321729.md -- not from the Rust code. Each rule is cited by its ID.

What it models: one agent SLA per conversation and one customer SLA per channel session,
their threshold levels and expiry, driven by the CIM events the other components publish
(the `events` of an `sla`-suite step) and by clock advances.

What it leaves out: the `documented` and `as-implemented` rule sets (only `specified`),
and everything the other components decide (it learns sessions, participants and hold only
from their events).

Readings (spec/RULES.md, "Readings"): `readings` maps a reading ID to the alternative this
monitor follows; the SLA readings R-02, R-03, R-04, R-05, R-06 and R-09 are implemented, the
others follow `specified`. The adapter declares them in `hello`.

A mutant switch (`mutant` = a rule ID) disables one rule, for the mutation run of
conformance/MUTATION.md.
"""

VOICE = "VOICE"
PRIMARY = "PRIMARY"
WRAP_UP = "WRAP_UP"

# The rules a mutant may disable. SLA-28 has no code of its own: it is what the guards of
# the other rules add up to.
MUTABLE = ["SLA-%02d" % n for n in range(1, 28)]


class Timer:
    """A running SLA timer: its start, duration, next threshold level and due time."""

    def __init__(self, now_ms, duration_ms, levels_pct, round_up=False):
        self.started_ms = now_ms
        self.duration_ms = duration_ms
        self.levels_pct = levels_pct
        self.round_up = round_up
        self.next_level = 0
        self.deadline_ms = self._due()

    def _due(self):
        # SLA-23: due first at each intermediate level, t + d * level / 100 (integer ms),
        # then at 100%.
        # R-09 `up` rounds an instant that is not a whole millisecond up.
        if self.next_level < len(self.levels_pct):
            share = self.duration_ms * self.levels_pct[self.next_level]
            share = -(-share // 100) if self.round_up else share // 100
            return self.started_ms + share
        return self.started_ms + self.duration_ms


class Monitor:
    def __init__(self, config, mutant=None, readings=None):
        self.config = config
        self.mutant = mutant
        self.readings = readings or {}
        self.now_ms = 0
        # The conversation as the other components' events describe it.
        self.sessions = []  # [session id, channel, open] in start order
        self.agents = []  # [agent id, role] in join order
        self.hold = False
        # The SLA timers.
        self.agent_sla = None
        self.customer = {}  # session id -> Timer
        self.out = []

    # ---- helpers --------------------------------------------------------------------

    def on(self, rule):
        return rule != self.mutant

    def reads(self, reading, alternative):
        """Whether this monitor follows `alternative` of `reading` (default: specified's)."""
        return self.readings.get(reading) == alternative

    def session(self, sid):
        for s in self.sessions:
            if s[0] == sid:
                return s
        return None

    def open_sessions(self):
        return [s for s in self.sessions if s[2]]

    def voice_open(self):
        return any(s[1] == VOICE for s in self.open_sessions())

    def customer_present(self):
        return bool(self.open_sessions())

    def has_primary(self, other_than=None):
        return any(a[1] == PRIMARY and a[0] != other_than for a in self.agents)

    def publish(self, event, **fields):
        e = {"event": event}
        e.update(fields)
        self.out.append(e)

    # ---- starting and stopping timers ----------------------------------------------------

    def start_agent(self, reset):
        cfg = self.config
        # SLA-29: a queue with no agent response time (null) has no agent SLA.
        if cfg["agent_sla_ms"] is None:
            return
        self.agent_sla = Timer(self.now_ms, cfg["agent_sla_ms"], cfg["agent_sla_thresholds_pct"],
                               self.reads("R-09", "up"))
        name = "RESET_AGENT_SLA" if reset else "AGENT_SLA_STARTED"
        self.publish(name, deadline_ms=self.agent_sla.deadline_ms)

    def stop_agent(self):
        # A stop publishes only when a timer ran.
        if self.agent_sla is not None:
            self.agent_sla = None
            self.publish("AGENT_SLA_STOPPED")

    def start_customer(self, sid):
        if sid in self.customer and self.on("SLA-27"):
            return  # SLA-27: a running customer SLA is left as it is
        channel = self.session(sid)[1]
        # SLA-26: the duration is the channel kind's.
        voice_duration = channel == VOICE and self.on("SLA-26")
        duration = self.config["voice_customer_sla_ms" if voice_duration else "customer_sla_ms"]
        timer = Timer(self.now_ms, duration, self.config["customer_sla_thresholds_pct"],
                      self.reads("R-09", "up"))
        self.customer[sid] = timer
        self.publish("CUSTOMER_SLA_STARTED", session=sid, deadline_ms=timer.deadline_ms)

    def stop_customer(self, sid):
        if sid in self.customer:
            del self.customer[sid]
            self.publish("CUSTOMER_SLA_STOPPED", session=sid)

    def start_open_non_voice(self, except_sid=None):
        for s in self.open_sessions():
            if s[1] != VOICE and s[0] != except_sid:
                self.start_customer(s[0])

    def stop_non_voice(self):
        for sid in sorted(self.customer):
            if self.session(sid)[1] != VOICE:
                self.stop_customer(sid)

    # ---- the conversation, as seen through the events ----------------------------------

    def observe(self, events):
        """Updates the view of the conversation with one step's events. The SLA rules read
        the conversation as it is after the change the events report (RULES.md, SLA)."""
        for e in events:
            kind = e["event"]
            if kind == "CHANNEL_SESSION_STARTED":
                self.sessions.append([e["session"], e["channel"], True])
            elif kind == "CHANNEL_SESSION_ENDED":
                s = self.session(e["session"])
                if s:
                    s[2] = False
            elif kind == "AGENT_SUBSCRIBED":
                if not any(a[0] == e["agent"] for a in self.agents):
                    self.agents.append([e["agent"], PRIMARY])
            elif kind == "AGENT_UNSUBSCRIBED":
                self.agents = [a for a in self.agents if a[0] != e["agent"]]
            elif kind == "PARTICIPANT_ROLE_CHANGED":
                for a in self.agents:
                    if a[0] == e["agent"]:
                        a[1] = e["role"]
            elif kind == "CONVERSATION_PAUSED":
                self.hold = True
            elif kind == "CONVERSATION_RESUMED":
                self.hold = False
        # A hold ends, without an event, when the last PRIMARY agent or the customer leaves
        # (CONV-13).
        if self.hold and (not self.has_primary() or not self.customer_present()):
            self.hold = False

    # ---- the event table of 949321729.md -------------------------------------------------

    def consume(self, e):
        kind = e["event"]
        if kind == "CHANNEL_SESSION_STARTED" and e["channel"] == VOICE:
            if self.on("SLA-01"):
                self.stop_agent()
            if self.on("SLA-03"):
                self.start_customer(e["session"])
                self.stop_non_voice()
        elif kind == "CHANNEL_SESSION_STARTED":
            if not self.voice_open() and not self.hold and self.on("SLA-02"):
                self.start_customer(e["session"])  # that session only
        elif kind == "TASK_ENQUEUED":
            # R-02 `stop`: also while a PRIMARY agent is present.
            if (not self.has_primary() or self.reads("R-02", "stop")) and self.on("SLA-04"):
                self.stop_customer(e["session"])
        elif kind == "AGENT_SUBSCRIBED":
            if not self.voice_open() and not self.hold and self.on("SLA-05"):
                self.start_agent(reset=self.has_primary(other_than=e["agent"]))
            s = self.session(e["session"])
            if s and s[1] != VOICE and self.on("SLA-06"):
                self.stop_customer(e["session"])
        elif kind == "AGENT_UNSUBSCRIBED":
            if not self.has_primary() and self.on("SLA-07"):
                self.stop_agent()
            if (
                e["reason"] != "DIRECT_TRANSFER"
                and self.customer_present()
                and not self.agents
                and not self.voice_open()
                and self.on("SLA-08")
            ):
                self.start_open_non_voice()
        elif kind == "CHANNEL_SESSION_ENDED":
            if not self.customer_present() and self.agents and self.on("SLA-09"):
                self.stop_agent()
            if self.on("SLA-10"):
                self.stop_customer(e["session"])
            ended = self.session(e["session"])
            if ended and ended[1] == VOICE and not self.voice_open() and not self.hold and self.on("SLA-11"):
                self.start_open_non_voice()
        elif kind == "AGENT_MESSAGE":
            # A wrap-up sent as a message is no answer (SLA-12, SLA-13).
            if e["role"] == PRIMARY and not e.get("wrap_up", False):
                if self.on("SLA-12"):
                    self.stop_agent()
                if not self.voice_open() and not self.hold and self.on("SLA-13"):
                    self.start_open_non_voice()
        elif kind == "CUSTOMER_MESSAGE":
            if (
                self.has_primary()
                and not self.hold
                and not self.voice_open()
                and self.agent_sla is None
                and self.on("SLA-14")
            ):
                self.start_agent(reset=False)
            if not self.hold and not self.voice_open() and self.on("SLA-15"):
                self.start_open_non_voice(except_sid=e["session"])
            if self.on("SLA-16"):
                self.stop_customer(e["session"])
        elif kind == "BOT_MESSAGE":
            if not self.hold and not self.voice_open() and self.on("SLA-17"):
                if self.reads("R-06", "own-session"):
                    s = self.session(e["session"])
                    if s and s[2] and s[1] != VOICE:
                        self.start_customer(s[0])
                else:
                    self.start_open_non_voice()
        elif kind == "CONVERSATION_PAUSED":
            if self.on("SLA-18"):
                self.stop_non_voice()
            if self.on("SLA-19"):
                self.stop_agent()
        elif kind == "CONVERSATION_RESUMED":
            # SLA-22: both timers come back after a pause, unless a call is on.
            # R-03 names the agent SLA's event; R-04 `on-notice` leaves the customer SLAs to
            # the resume notice (a BOT_MESSAGE).
            if not self.voice_open() and self.on("SLA-22"):
                if self.has_primary():
                    self.start_agent(reset=not self.reads("R-03", "agent-sla-started"))
                if not self.reads("R-04", "on-notice"):
                    self.start_open_non_voice()
        elif kind == "NO_AGENT_AVAILABLE":
            # every open chat (specified), the request's session, or the latest chat.
            if not self.has_primary() and not self.voice_open() and not self.hold and self.on("SLA-20"):
                chats = [x for x in self.open_sessions() if x[1] != VOICE]
                if self.reads("R-05", "request-session"):
                    s = self.session(e["session"])
                    targets = [s] if s and s[2] else chats[-1:]
                elif self.reads("R-05", "latest-open-chat"):
                    targets = chats[-1:]
                else:
                    targets = chats
                for s in targets:
                    self.start_customer(s[0])
        elif kind == "PARTICIPANT_ROLE_CHANGED":
            if self.agents and all(a[1] == WRAP_UP for a in self.agents) and self.on("SLA-21"):
                self.stop_agent()
        # Every other event (TOPIC_STATE_CHANGED, AGENT_RESERVED, TASK_STATE_CHANGED, the
        # SLA events themselves) has no cell in the table.

    # ---- timers ---------------------------------------------------------------------------

    def fire(self, key):
        """A timer reached its due time: the next threshold (SLA-23) or the expiry."""
        if key == "AGENT":
            timer = self.agent_sla
            levels = self.config["agent_sla_thresholds_pct"]
        else:
            timer = self.customer[key]
            levels = self.config["customer_sla_thresholds_pct"]
        if timer.next_level < len(levels) and self.on("SLA-23"):
            percent = levels[timer.next_level]
            timer.next_level += 1
            timer.deadline_ms = timer._due()
            if self.reads("R-23", "sla-started"):
                # The events page's name: a repeated *_SLA_STARTED with the next due time.
                if key == "AGENT":
                    self.publish("AGENT_SLA_STARTED", deadline_ms=timer.deadline_ms)
                else:
                    self.publish("CUSTOMER_SLA_STARTED", session=key, deadline_ms=timer.deadline_ms)
            elif key == "AGENT":
                self.publish("AGENT_SLA_THRESHOLD_REACHED", level=timer.next_level, percent=percent)
            else:
                self.publish("CUSTOMER_SLA_THRESHOLD_REACHED", session=key, level=timer.next_level, percent=percent)
            return
        if timer.next_level < len(levels):
            # The SLA-23 mutant skips the levels and goes on to 100%.
            timer.next_level = len(levels)
            timer.deadline_ms = timer._due()
            return
        if key == "AGENT":
            self.agent_sla = None
            if self.on("SLA-24"):
                self.publish("AGENT_SLA_EXPIRED")
        else:
            del self.customer[key]
            if self.on("SLA-25"):
                self.publish("CUSTOMER_SLA_EXPIRED", session=key)

    def due(self):
        """Armed timers in (deadline, key) order; the agent SLA sorts before the sessions'."""
        timers = []
        if self.agent_sla is not None:
            timers.append((self.agent_sla.deadline_ms, 0, "AGENT"))
        for sid, t in self.customer.items():
            timers.append((t.deadline_ms, 1 + sid, sid))
        return sorted(timers)

    # ---- protocol steps -------------------------------------------------------------------

    def apply(self, at_ms, events):
        self.out = []
        self.advance_to(at_ms)
        self.now_ms = at_ms
        self.observe(events)
        for e in events:
            self.consume(e)
        return self.out

    def advance(self, to_ms, events):
        self.out = []
        self.advance_to(to_ms)
        self.now_ms = to_ms
        self.observe(events)
        for e in events:
            self.consume(e)
        return self.out

    def advance_to(self, to_ms):
        while True:
            timers = self.due()
            if not timers or timers[0][0] > to_ms:
                return
            deadline, _, key = timers[0]
            self.now_ms = deadline
            self.fire(key)

    def state(self):
        timers = []
        if self.agent_sla is not None:
            timers.append({"timer": "AGENT_SLA", "deadline_ms": self.agent_sla.deadline_ms})
        for sid in sorted(self.customer):
            timers.append({"timer": "CUSTOMER_SLA", "session": sid, "deadline_ms": self.customer[sid].deadline_ms})
        return {"timers": timers}
