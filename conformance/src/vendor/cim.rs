//! The vendor's wire objects, reduced to the fields the mapping writes or reads, as serde
//! types with the object model's field names (expertflow/object-model, commit d77a5aa; paths
//! below are under `src/main/java/com/ef/cim/objectmodel/`, lines of that commit).
//!
//! Every field is optional on reading, because the mapping reads leniently (a missing field
//! becomes a missing native field that the runner reports, not a parse error); on writing,
//! absent fields are left out. Left out of the types: the fields no rule reads (customer,
//! channel data, message bodies beyond their `type`, room info, priorities, enqueue times);
//! they may appear in what an implementation writes and are then named in VENDOR.md's list of
//! fields carried but not compared.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `CimEvent.java` lines 16-26: the envelope of every event on a conversation topic.
/// `timestamp` is a `java.sql.Timestamp`, which Jackson writes as epoch milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CimEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A `CimEventName` (`CimEventName.java`), or one of the names of VENDOR.md that the
    /// object model lacks.
    pub name: String,
    /// A `CimEventType` (`CimEventType.java`: MESSAGE, SUGGESTION, ACTIVITY, NOTIFICATION, CALL).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_session: Option<ChannelSession>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// The envelope fields of `CimEvent.java`; anything else in an envelope is shown as an extra
/// field by the runner.
pub const ENVELOPE_FIELDS: [&str; 9] = [
    "id",
    "name",
    "type",
    "timestamp",
    "conversationId",
    "eventEmitter",
    "channelSession",
    "data",
    "roomInfo",
];

/// `ChannelSession.java` lines 20-41 (id, channel, conversationId, isActive used here).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelSession {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
}

impl ChannelSession {
    pub fn id_only(id: String) -> ChannelSession {
        ChannelSession {
            id,
            ..ChannelSession::default()
        }
    }
}

/// `Channel.java` lines 12-25 (channelConfig, channelType used here).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_config: Option<ChannelConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_type: Option<ChannelType>,
}

/// `ChannelConfig.java` line 29: `routingPolicy`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_policy: Option<RoutingPolicy>,
}

/// `RoutingPolicy.java` line 8: `routingMode` (`RoutingMode.java`: PUSH, PULL, EXTERNAL).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_mode: Option<String>,
}

/// `ChannelType.java` lines 10-16: `name` (a `ChannelTypeEnum` value as a string).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelType {
    pub name: String,
}

/// `task/TaskStateChangedDto.java` lines 18-20.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskStateChangedDto {
    pub task: Task,
    pub task_state_changed: bool,
    pub media_state_changes: Vec<String>,
}

/// `task/Task.java` lines 29-49.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<TaskState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<TaskAgent>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub active_media: Vec<TaskMedia>,
}

/// The fields of `task/Task.java`.
pub const TASK_FIELDS: [&str; 6] = [
    "id",
    "conversationId",
    "state",
    "assignedTo",
    "agentRequestTtlTimerId",
    "activeMedia",
];

/// `task/TaskState.java` lines 25-29: `name` (`Enums.TaskStateName`), `reasonCode`
/// (`Enums.TaskStateReasonCode`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskState {
    pub name: String,
    #[serde(default)]
    pub reason_code: Option<String>,
}

/// `task/TaskAgent.java` lines 15-16.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskAgent {
    pub id: String,
}

/// `task/TaskMedia.java` lines 27-67 (id, taskId, type, state, requestSession,
/// channelSessions used here).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskMedia {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<TaskType>,
    /// `task/TaskMediaState.java`: STARTED, QUEUED, RESERVED, ACTIVE, CLOSED.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_session: Option<ChannelSession>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channel_sessions: Vec<ChannelSession>,
}

/// The fields of `task/TaskMedia.java`.
pub const MEDIA_FIELDS: [&str; 11] = [
    "id",
    "mrdId",
    "taskId",
    "queue",
    "type",
    "priority",
    "state",
    "requestSession",
    "channelSessions",
    "enqueueTime",
    "answerTime",
];

/// `task/TaskType.java` lines 18-20: `direction` (`Enums.TaskTypeDirection`), `mode`
/// (`Enums.TaskTypeMode`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskType {
    pub direction: String,
    pub mode: String,
}

/// `task/TaskEnqueuedDto.java` lines 15-16 (the queue is left out: cxspec has one).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskEnqueuedDto {
    pub task: TaskRef,
}

/// A task named by its id only, where the vendor sends the whole `Task` and no rule reads
/// more than its id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRef {
    pub id: String,
}

/// `dto/NoAgentAvailableDto.java` line 16: only `requestType`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoAgentAvailableDto {
    pub request_type: Option<TaskType>,
}

/// `dto/AgentReservedDto.java` lines 23-27.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentReservedDto {
    pub task: TaskRef,
    pub cc_user: CcUser,
}

/// `CCUser.java` line 15: `id` (the rest is the Keycloak user).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CcUser {
    pub id: String,
}

/// `dto/AgentSubUnSubDTO.java` lines 17-18.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentSubUnSubDto {
    pub agent_participant: ConversationParticipant,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `ConversationParticipant.java` lines 9-12: `type` (`ParticipantType`), `role`
/// (`ParticipantRole`), `participant` (a `CCUser` for an agent).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationParticipant {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub participant: CcUser,
}

/// `dto/ParticipantRoleChangedDto.java` line 18.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantRoleChangedDto {
    pub conversation_participant: ConversationParticipant,
}

/// `Conversation.java` lines 20-23: the payload of the topic state event (the events page
/// names its payload "CustomerTopic"); `id` and `state` (`TopicState.java`) used here.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: String,
    pub state: String,
}

/// `CimMessage.java` lines 7-11, with `MessageHeader.java` lines 14 and 23 (`sender`,
/// `channelSessionId`) and `MessageBody`'s `type` (`MessageBody.java` line 10).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CimMessage {
    pub header: MessageHeader,
    pub body: MessageBody,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageHeader {
    pub sender: Sender,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_session_id: Option<String>,
}

/// `Sender.java` lines 19-21: `id`, `type` (`SenderType.java`: AGENT, BOT, CUSTOMER, ...).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sender {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
}

/// `MessageBody.java` line 10: the body's `type` (`PLAIN`, `WRAPUP` for a `WrapUpMessage`, ...).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageBody {
    #[serde(rename = "type")]
    pub kind: String,
}

/// `dto/AssignResourceRequest.java` lines 35 and 44: the FIND_AGENT request's session and
/// task type.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignResourceRequest {
    pub request_session: ChannelSession,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<TaskTypeDirection>,
}

/// A `TaskType` with only a direction (FIND_AGENT names no mode).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskTypeDirection {
    pub direction: String,
}

/// `HoldTimerDetails.java` line 16: `totalDuration`, in whole seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HoldTimerDetails {
    pub total_duration: u64,
}

/// A stimulus that reaches the vendor's components as a REST call or a timer of another
/// component rather than as a `CimEvent` (VENDOR.md, "Inputs"): the kit's command, with the
/// vendor's id strings and field spellings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Command {
    pub command: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_timer_details: Option<HoldTimerDetails>,
    /// TIMER_FIRED only: which timer (`AGENT_SLA`, `CUSTOMER_SLA`, `REQUEST_TTL`, `RONA`,
    /// `WRAP_UP`, `HOLD`), and the session or task it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
}
