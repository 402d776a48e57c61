import com.google.gson.JsonElement;
import java.util.ArrayList;
import java.util.List;

/**
 * The vendor's wire objects as this adapter writes and reads them: the classes and field names of
 * the public object model (expertflow/object-model, commit d77a5aa, package
 * com.ef.cim.objectmodel), reduced to the fields the cxspec rules read. Each class names its
 * source file; enum values are the object model's spellings. gson writes them field by field,
 * so the JSON is the one Jackson writes for the vendor's classes (Timestamp as epoch ms).
 */
final class ObjectModel {
    private ObjectModel() {}

    /** CimEventName.java (the names this adapter writes or reads). */
    enum CimEventName {
        CHANNEL_SESSION_STARTED, CHANNEL_SESSION_ENDED, CUSTOMER_MESSAGE, BOT_MESSAGE, AGENT_MESSAGE,
        TOPIC_STATE_CHANGE_EVENT, AGENT_RESERVED, AGENT_SUBSCRIBED, AGENT_UNSUBSCRIBED,
        PARTICIPANT_ROLE_CHANGED, CONVERSATION_PAUSED, CONVERSATION_RESUMED, TASK_STATE_CHANGED,
        TASK_ENQUEUED, NO_AGENT_AVAILABLE, AGENT_SLA_STARTED, RESET_AGENT_SLA, AGENT_SLA_STOPPED,
        AGENT_SLA_EXPIRED, CUSTOMER_SLA_STARTED, CUSTOMER_SLA_STOPPED, CUSTOMER_SLA_EXPIRED,
        ASSIGN_RESOURCE_REQUESTED
    }

    /** Enums.java, TaskStateReasonCode (lines 84-132). */
    enum TaskStateReasonCode {
        RONA, DONE, RESPONSE_TIMEOUT, NO_AGENT_AVAILABLE, REROUTE, CANCELLED, AGENT_LOGOUT, TRANSFERRED,
        FORCE_CLOSED, WRAP_UP_APPLIED, WRAP_UP_NOT_APPLIED, WRAP_UP_EXPIRED
    }

    /** CimEvent.java lines 16-26. */
    static final class CimEvent {
        String id;
        String name;
        String type;
        Long timestamp;
        String conversationId;
        ChannelSession channelSession;
        JsonElement data;
    }

    /** ChannelSession.java lines 20-41. */
    static final class ChannelSession {
        String id;
        Channel channel;
        String conversationId;
        Boolean isActive;

        static ChannelSession of(String id) {
            ChannelSession s = new ChannelSession();
            s.id = id;
            return s;
        }
    }

    /** Channel.java lines 12-25. */
    static final class Channel {
        ChannelConfig channelConfig;
        ChannelType channelType;
    }

    /** ChannelConfig.java line 29. */
    static final class ChannelConfig {
        RoutingPolicy routingPolicy;
    }

    /** RoutingPolicy.java line 8 (RoutingMode.java: PUSH, PULL, EXTERNAL). */
    static final class RoutingPolicy {
        String routingMode;
    }

    /** ChannelType.java line 13 (a ChannelTypeEnum value: WEB, CX_VOICE, CISCO_CC, ...). */
    static final class ChannelType {
        String name;
    }

    /** task/TaskStateChangedDto.java lines 18-20. */
    static final class TaskStateChangedDto {
        Task task;
        boolean taskStateChanged;
        List<String> mediaStateChanges = new ArrayList<>();
    }

    /** task/Task.java lines 29-49. */
    static final class Task {
        String id;
        String conversationId;
        TaskState state;
        TaskAgent assignedTo;
        List<TaskMedia> activeMedia = new ArrayList<>();
    }

    /** task/TaskState.java lines 25-29 (Enums.TaskStateName: ACTIVE, WRAP_UP, CLOSED). */
    static final class TaskState {
        String name;
        TaskStateReasonCode reasonCode;
    }

    /** task/TaskAgent.java lines 15-16. */
    static final class TaskAgent {
        String id;
    }

    /** task/TaskMedia.java lines 27-67 (TaskMediaState: STARTED, QUEUED, RESERVED, ACTIVE, CLOSED). */
    static final class TaskMedia {
        String id;
        String taskId;
        TaskType type;
        String state;
        ChannelSession requestSession;
        List<ChannelSession> channelSessions = new ArrayList<>();
    }

    /** task/TaskType.java lines 18-20 (Enums.TaskTypeDirection, Enums.TaskTypeMode). */
    static final class TaskType {
        String direction;
        String mode;
    }

    /** A Task named by id, as AgentReservedDto and TaskEnqueuedDto carry it (no rule reads more). */
    static final class TaskRef {
        String id;
    }

    /** task/TaskEnqueuedDto.java lines 15-16. */
    static final class TaskEnqueuedDto {
        TaskRef task;
    }

    /** dto/NoAgentAvailableDto.java line 16: only the request's type. */
    static final class NoAgentAvailableDto {
        TaskType requestType;
    }

    /** dto/AgentReservedDto.java lines 23-27. */
    static final class AgentReservedDto {
        TaskRef task;
        CCUser ccUser;
    }

    /** CCUser.java line 15. */
    static final class CCUser {
        String id;
    }

    /** dto/AgentSubUnSubDTO.java lines 17-18. */
    static final class AgentSubUnSubDTO {
        ConversationParticipant agentParticipant;
        String reason;
    }

    /** ConversationParticipant.java lines 9-12 (ParticipantType, ParticipantRole). */
    static final class ConversationParticipant {
        String type;
        String role;
        CCUser participant;
    }

    /** dto/ParticipantRoleChangedDto.java line 18. */
    static final class ParticipantRoleChangedDto {
        ConversationParticipant conversationParticipant;
    }

    /** Conversation.java lines 20-23 (TopicState.java). */
    static final class Conversation {
        String id;
        String state;
    }

    /** CimMessage.java, MessageHeader.java (sender, channelSessionId), MessageBody's type. */
    static final class CimMessage {
        MessageHeader header = new MessageHeader();
        MessageBody body = new MessageBody();
    }

    static final class MessageHeader {
        Sender sender = new Sender();
        String channelSessionId;
    }

    /** Sender.java lines 19-21 (SenderType: AGENT, BOT, CUSTOMER, ...). */
    static final class Sender {
        String id;
        String type;
    }

    /** MessageBody.java line 10: PLAIN, WRAPUP (a WrapUpMessage), ... */
    static final class MessageBody {
        String type;
    }
}
