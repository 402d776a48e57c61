//! What the table tests share: the IDs they use and the opening that brings agent 1 into
//! a web chat on session 1 (request, reserve, accept).

use cxspec_spec::*;

pub const S1: SessionId = SessionId(1);
pub const S2: SessionId = SessionId(2);
pub const A1: AgentId = AgentId(1);
pub const A2: AgentId = AgentId(2);

/// Steps that bring agent 1 into a web chat on session 1, at 0..=4 000 ms.
pub fn joined() -> Vec<(u64, Input)> {
    vec![
        (
            0,
            Input::SessionStarted {
                session: S1,
                channel: ChannelKind::NonVoice,
                routing_mode: None,
            },
        ),
        (1_000, Input::CustomerMessage { session: S1 }),
        (
            2_000,
            Input::RequestAgent {
                session: S1,
                direction: None,
            },
        ),
        (3_000, Input::ReserveAgent { agent: A1 }),
        (4_000, Input::AcceptTask { agent: A1 }),
    ]
}
