//! The bounds of one model-checking run: how many channel sessions (and of which kind),
//! how many agents, how many messages and tasks, and the channel settings (wrap-up,
//! routing mode, MRD auto-join, SLA threshold levels).
//!
//! A configuration preset (`ci`, `default`) is a set of values per axis; a run checks the
//! product of the axes, one [`Bounds`] per sub-configuration. Size flags of the CLI
//! replace an axis of the preset.
//!
//! Left out: the durations of the spec [`Config`]. The model passes `now_ms = 0` to every
//! step (see the `model` module), so durations only change the constant deadlines that
//! are stored, never which steps are possible.

use cxspec_spec::{ChannelKind, Config, RoutingMode};
use std::fmt;

/// The largest sizes the CLI accepts. Beyond them the state space is far out of reach of
/// this machine anyway, and the fixed-size numbering in the symmetry code stays small.
pub const MAX_SESSIONS: usize = 6;
pub const MAX_AGENTS: u32 = 6;
pub const MAX_TASKS: u32 = 12;
pub const MAX_THRESHOLDS: usize = Config::MAX_THRESHOLDS;

/// Threshold levels used when a sub-configuration asks for `n` of them (SLA-23 allows 3).
const AGENT_LEVELS_PCT: [u8; 3] = [50, 75, 90];
const CUSTOMER_LEVELS_PCT: [u8; 3] = [50, 80, 90];

/// One sub-configuration: everything that decides the state space of one run.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Bounds {
    /// The kind of session `i + 1`; sessions start in ID order within each kind.
    pub sessions: Vec<ChannelKind>,
    pub agents: u32,
    /// Customer, bot and agent messages together, or `None` for no budget. Messages do
    /// not grow the state (they set "who wrote last" and start or stop SLA timers), so
    /// the state space is finite without a budget; a budget is a counter in every state,
    /// which makes the space larger unless it is very small. Measured on `ci`: no budget
    /// has fewer unique states than a budget of 2.
    pub messages: Option<u8>,
    /// At most this many tasks are created. Closed tasks stay in the state (TASK-22 is
    /// checked on them), and every RONA or transfer creates one, so this is what keeps
    /// the state space finite. The step that creates task `tasks + 1` is still taken and
    /// checked; nothing follows it.
    pub tasks: u32,
    pub wrap_up: bool,
    pub routing: RoutingMode,
    pub mrd_auto_joinable: bool,
    /// Intermediate SLA threshold levels, 0..=3, for both SLAs.
    pub thresholds: usize,
    /// Inputs and settings beyond the base alphabet (issue 10's additions).
    pub alphabet: Alphabet,
}

/// What a sub-configuration adds to the base alphabet. Each is off by default, so the
/// base presets keep their sizes; a sub-configuration of `default` and `deep` switches each
/// on. A wrap-up sent as a message (`AGENT_MESSAGE {wrap_up: true}`) is always offered, with
/// the messages: it changes no state under `specified`, so it costs time, not states.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Alphabet {
    /// Routing mode per channel: the second chat (and every second one after) names the
    /// other mode in its SESSION_STARTED (TASK-01, TASK-07).
    pub mixed_routing: bool,
    /// REQUEST_AGENT is also offered with direction OUTBOUND (TASK-01).
    pub outbound: bool,
    /// No agent response time is configured: `agent_sla_ms: null` (SLA-29).
    pub no_agent_sla: bool,
}

impl Alphabet {
    /// The routing mode SESSION_STARTED names for configured session `index` (from 0) of
    /// `sessions`: under mixed routing, every second chat names the other mode.
    pub fn session_mode(
        self,
        sessions: &[ChannelKind],
        index: usize,
        base: RoutingMode,
    ) -> Option<RoutingMode> {
        if !self.mixed_routing || sessions.get(index) != Some(&ChannelKind::NonVoice) {
            return None;
        }
        let nth_chat = sessions[..index]
            .iter()
            .filter(|k| **k == ChannelKind::NonVoice)
            .count();
        (nth_chat % 2 == 1).then_some(match base {
            RoutingMode::Push => RoutingMode::Pull,
            RoutingMode::Pull => RoutingMode::Push,
        })
    }
}

impl Bounds {
    /// The spec configuration the steps run with.
    pub fn config(&self) -> Config {
        Config {
            routing_mode: self.routing,
            wrap_up_enabled: self.wrap_up,
            mrd_auto_joinable: self.mrd_auto_joinable,
            agents: self.agents,
            agent_sla_thresholds_pct: AGENT_LEVELS_PCT[..self.thresholds].to_vec(),
            customer_sla_thresholds_pct: CUSTOMER_LEVELS_PCT[..self.thresholds].to_vec(),
            agent_sla_ms: if self.alphabet.no_agent_sla {
                None
            } else {
                Config::default().agent_sla_ms
            },
            ..Config::default()
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.sessions.is_empty() || self.sessions.len() > MAX_SESSIONS {
            return Err(format!(
                "sessions must be within 1..={MAX_SESSIONS}, got {}",
                self.sessions.len()
            ));
        }
        if self.agents == 0 || self.agents > MAX_AGENTS {
            return Err(format!(
                "agents must be within 1..={MAX_AGENTS}, got {}",
                self.agents
            ));
        }
        if self.tasks == 0 || self.tasks > MAX_TASKS {
            return Err(format!(
                "tasks must be within 1..={MAX_TASKS}, got {}",
                self.tasks
            ));
        }
        if self.thresholds > MAX_THRESHOLDS {
            return Err(format!(
                "thresholds must be within 0..={MAX_THRESHOLDS}, got {}",
                self.thresholds
            ));
        }
        self.config()
            .validate()
            .map_err(|e| format!("{}: {}", e.field, e.message))
    }

    /// A short name such as `push wrap-up=on chat+voice agents=2 messages=2 tasks=3`.
    pub fn label(&self) -> String {
        let sessions: Vec<&str> = self
            .sessions
            .iter()
            .map(|k| match k {
                ChannelKind::Voice => "voice",
                ChannelKind::NonVoice => "chat",
            })
            .collect();
        let mut label = format!(
            "{} wrap-up={} sessions={} agents={} messages={} tasks={} thresholds={}",
            match self.routing {
                RoutingMode::Push => "push",
                RoutingMode::Pull => "pull",
            },
            if self.wrap_up { "on" } else { "off" },
            sessions.join("+"),
            self.agents,
            self.messages
                .map_or_else(|| "any".to_string(), |n| n.to_string()),
            self.tasks,
            self.thresholds,
        );
        if self.alphabet.mixed_routing {
            label.push_str(" routing=mixed");
        }
        if self.alphabet.outbound {
            label.push_str(" outbound=on");
        }
        if self.alphabet.no_agent_sla {
            label.push_str(" agent-sla=off");
        }
        if !self.mrd_auto_joinable {
            label.push_str(" mrd-auto-join=off");
        }
        label
    }
}

impl fmt::Display for Bounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// A preset: a named list of sub-configurations, checked one after the other. A
/// property holds for the preset if it holds in every sub-configuration; a `sometimes`
/// property is found if it is found in one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preset {
    pub name: &'static str,
    pub subs: Vec<Bounds>,
}

/// Chat and voice, as the letters the presets and the CLI use (`c`, `v`).
pub fn parse_sessions(text: &str) -> Result<Vec<ChannelKind>, String> {
    text.split(',')
        .map(|s| match s.trim() {
            "c" | "chat" => Ok(ChannelKind::NonVoice),
            "v" | "voice" => Ok(ChannelKind::Voice),
            other => Err(format!(
                "unknown session kind `{other}` (expected chat or voice, e.g. `chat,chat,voice`)"
            )),
        })
        .collect()
}

fn sub(
    sessions: &str,
    agents: u32,
    tasks: u32,
    routing: RoutingMode,
    wrap_up: bool,
    mrd_auto_joinable: bool,
) -> Bounds {
    Bounds {
        sessions: parse_sessions(sessions).expect("preset sessions are valid"),
        agents,
        messages: None,
        tasks,
        wrap_up,
        routing,
        mrd_auto_joinable,
        thresholds: 1,
        alphabet: Alphabet::default(),
    }
}

/// `sub(...)` with additions to the alphabet.
fn with(mut bounds: Bounds, alphabet: Alphabet) -> Bounds {
    bounds.alphabet = alphabet;
    bounds
}

const MIXED: Alphabet = Alphabet {
    mixed_routing: true,
    outbound: false,
    no_agent_sla: false,
};

const OUTBOUND_NO_AGENT_SLA: Alphabet = Alphabet {
    mixed_routing: false,
    outbound: true,
    no_agent_sla: true,
};

impl Preset {
    pub const NAMES: [&'static str; 3] = ["ci", "default", "deep"];

    /// `ci`: small enough for every CI run, large enough that every `sometimes` property
    /// is found: PUSH with wrap-up off and on (Customer Left needs it off, Wrap-up on),
    /// chat and voice (the voice rules), two chats (two customer SLAs at once), two
    /// agents (transfers, conferences); and issue 10's additions: a PUSH chat and a PULL
    /// chat in one conversation, an OUTBOUND request, no agent SLA.
    pub fn ci() -> Preset {
        use RoutingMode::*;
        Preset {
            name: "ci",
            subs: vec![
                sub("chat,voice", 2, 2, Push, false, true),
                sub("chat,voice", 2, 2, Push, true, true),
                sub("chat,chat", 2, 2, Push, true, true),
                with(sub("chat,chat", 2, 2, Push, true, true), MIXED),
                with(
                    sub("chat,voice", 2, 2, Push, false, true),
                    OUTBOUND_NO_AGENT_SLA,
                ),
            ],
        }
    }

    /// `default`: the shape of every seed scenario (a test replays each seed as a path
    /// of one of these), within two minutes: chat and voice, two chats, two chats and a
    /// voice call, two agents, wrap-up on and off, PUSH and PULL, PULL with MRD auto-join
    /// off (TASK-09). Three tasks where the space allows (two RONAs or transfers in a
    /// row); two, which every seed fits in, where a third would cost minutes.
    pub fn default_preset() -> Preset {
        use RoutingMode::*;
        Preset {
            name: "default",
            subs: vec![
                sub("chat,voice", 2, 3, Push, false, true),
                sub("chat,voice", 2, 3, Push, true, true),
                sub("chat,chat", 2, 2, Push, false, true),
                sub("chat,chat", 2, 2, Push, true, true),
                sub("chat,chat,voice", 2, 2, Push, true, true),
                sub("chat,voice", 2, 3, Pull, false, true),
                sub("chat,voice", 2, 3, Pull, true, true),
                sub("chat,chat", 2, 2, Pull, false, false),
                sub("chat,chat", 2, 2, Pull, true, false),
                with(sub("chat,chat", 2, 2, Push, false, true), MIXED),
                with(sub("chat,chat", 2, 2, Pull, true, false), MIXED),
                with(
                    sub("chat,voice", 2, 3, Push, true, true),
                    OUTBOUND_NO_AGENT_SLA,
                ),
            ],
        }
    }

    /// `deep`: what `default` leaves out, for a nightly job: three sessions of which one
    /// is a call, three agents, three tasks (a transfer or conference chain: a task, its
    /// transfer, the transfer's transfer), PUSH and PULL, wrap-up on and off. The PUSH
    /// sub-configurations have 14.3 and 20.2 million unique states (wrap-up off, on).
    pub fn deep() -> Preset {
        use RoutingMode::*;
        Preset {
            name: "deep",
            subs: vec![
                sub("chat,chat,voice", 3, 3, Push, false, true),
                sub("chat,chat,voice", 3, 3, Push, true, true),
                sub("chat,chat,voice", 3, 3, Pull, false, true),
                sub("chat,chat,voice", 3, 3, Pull, true, true),
                with(
                    sub("chat,chat,voice", 3, 3, Push, true, true),
                    Alphabet {
                        mixed_routing: true,
                        outbound: true,
                        no_agent_sla: false,
                    },
                ),
            ],
        }
    }

    pub fn named(name: &str) -> Option<Preset> {
        match name {
            "ci" => Some(Preset::ci()),
            "default" => Some(Preset::default_preset()),
            "deep" => Some(Preset::deep()),
            _ => None,
        }
    }
}
