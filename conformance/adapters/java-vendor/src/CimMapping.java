import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The translation this adapter needs because its engine is a native cxspec engine: the vendor's
 * JSON it receives (CimEvent envelopes and commands, conformance/VENDOR.md) into cxspec's JSON
 * for the engine, and the engine's events into the vendor's objects ({@link ObjectModel}). A
 * vendor implementation built on the object model needs none of this: it reads and writes these
 * objects natively. One instance per case.
 *
 * <p>Ids: sessions and agents come from the kit, whose strings end in the number it means
 * (VENDOR.md, "Ids"); the engine needs that number. Tasks are minted here, as the vendor's
 * Routing Engine mints them ({@code UUID} per task): a name-based UUID of the engine's number,
 * never the kit's pattern, so the kit's interning of foreign ids is what is tested.
 */
final class CimMapping {
    private static final Gson OBJECTS = new Gson(); // nulls left out, as the kit writes them
    static final String CONVERSATION = "c0a7e55a0000000000000001";
    private static final long EPOCH_MS = 1_700_000_000_000L;
    private static final String SESSION_PREFIX = "5e55";
    private static final String AGENT_PREFIX = "a6e00000-0000-4000-8000-";

    private final String topicStateName;
    private final Map<Long, String> taskIds = new HashMap<>();
    private final Map<String, Long> taskNumbers = new HashMap<>();
    /** What the events seen so far say: the derivations of VENDOR.md, "Payload gaps". */
    private final Map<Long, String> roles = new HashMap<>();
    private final Map<Long, JsonObject> tasks = new HashMap<>();
    private Long lastClosed;
    private long events;

    CimMapping(String topicStateName) {
        this.topicStateName = topicStateName;
    }

    // ---- ids ----------------------------------------------------------------------------

    private static long numberOf(String id, String prefix, String what) {
        if (id == null || !id.startsWith(prefix)) {
            throw new IllegalArgumentException("not a " + what + " id of the kit: " + id);
        }
        return Long.parseLong(id.substring(prefix.length()), 16);
    }

    static String sessionId(long n) {
        return SESSION_PREFIX + String.format("%020x", n);
    }

    static String agentId(long n) {
        return AGENT_PREFIX + String.format("%012x", n);
    }

    private long session(String id) {
        return numberOf(id, SESSION_PREFIX, "session");
    }

    private long agent(String id) {
        return numberOf(id, AGENT_PREFIX, "agent");
    }

    private String taskId(long n) {
        return taskIds.computeIfAbsent(n, k -> {
            String id = UUID.nameUUIDFromBytes(("vendor-adapter-task-" + k).getBytes(StandardCharsets.UTF_8)).toString();
            taskNumbers.put(id, k);
            return id;
        });
    }

    private long task(String id) {
        Long n = taskNumbers.get(id);
        if (n == null) {
            // A task the kit names first (component suites): its string ends in its number.
            n = numberOf(id, "7a5c0000-0000-4000-8000-", "task");
            taskNumbers.put(id, n);
            taskIds.put(n, id);
        }
        return n;
    }

    // ---- JSON helpers -------------------------------------------------------------------

    private static JsonElement at(JsonElement v, String... path) {
        for (String key : path) {
            if (v == null || !v.isJsonObject()) {
                return null;
            }
            v = v.getAsJsonObject().get(key);
        }
        return v == null || v.isJsonNull() ? null : v;
    }

    private static String text(JsonElement v, String... path) {
        JsonElement e = at(v, path);
        return e == null ? null : e.getAsString();
    }

    private static JsonObject nat(String event) {
        JsonObject o = new JsonObject();
        o.addProperty("event", event);
        return o;
    }

    // ---- the kit's requests, to the engine's JSON -----------------------------------------

    /** An input in the vendor's JSON (a CimEvent or a command) as cxspec's input. */
    JsonObject input(JsonObject v) {
        String command = text(v, "command");
        if (command != null) {
            JsonObject o = nat(command);
            switch (command) {
                case "TIMER_FIRED": {
                    JsonObject timer = new JsonObject();
                    timer.addProperty("timer", text(v, "timer"));
                    if (at(v, "channelSessionId") != null) {
                        timer.addProperty("session", session(text(v, "channelSessionId")));
                    }
                    if (at(v, "taskId") != null) {
                        timer.addProperty("task", task(text(v, "taskId")));
                    }
                    o.add("timer", timer);
                    break;
                }
                case "QUEUE_FLUSH":
                case "HOUSEKEEPING_DONE":
                    break;
                default:
                    o.addProperty("agent", agent(text(v, "agentId")));
                    if (at(v, "toAgentId") != null) {
                        o.addProperty("to", agent(text(v, "toAgentId")));
                    }
                    JsonElement seconds = at(v, "holdTimerDetails", "totalDuration");
                    if (seconds != null) {
                        o.addProperty("hold_ms", seconds.getAsLong() * 1000);
                    }
            }
            return o;
        }
        String name = text(v, "name");
        switch (String.valueOf(name)) {
            case "CHANNEL_SESSION_STARTED": {
                JsonObject o = nat("SESSION_STARTED");
                long s = session(text(v, "channelSession", "id"));
                String kind = kindOf(text(v, "channelSession", "channel", "channelType", "name"));
                o.addProperty("session", s);
                o.addProperty("channel", kind);
                String mode = text(v, "channelSession", "channel", "channelConfig", "routingPolicy", "routingMode");
                if (mode != null) {
                    o.addProperty("routing_mode", mode);
                }
                return o;
            }
            case "CHANNEL_SESSION_ENDED":
                return withSession(nat("SESSION_ENDED"), v);
            case "CUSTOMER_MESSAGE":
            case "BOT_MESSAGE":
                return withSession(nat(name), v);
            case "AGENT_MESSAGE": {
                JsonObject o = nat(name);
                o.addProperty("agent", agent(text(v, "data", "header", "sender", "id")));
                if ("WRAPUP".equals(text(v, "data", "body", "type"))) {
                    o.addProperty("wrap_up", true);
                }
                return o;
            }
            case "ASSIGN_RESOURCE_REQUESTED": {
                JsonObject o = nat("REQUEST_AGENT");
                o.addProperty("session", session(text(v, "data", "requestSession", "id")));
                String direction = text(v, "data", "type", "direction");
                if (direction != null) {
                    o.addProperty("direction", direction);
                }
                return o;
            }
            default:
                throw new IllegalArgumentException("no input is sent as " + name);
        }
    }

    private static String kindOf(String channelType) {
        return "CX_VOICE".equals(channelType) || "CISCO_CC".equals(channelType) ? "VOICE" : "NON_VOICE";
    }

    private JsonObject withSession(JsonObject o, JsonObject v) {
        o.addProperty("session", session(text(v, "channelSession", "id")));
        return o;
    }

    /** An event another component published (component suites), as cxspec's event. */
    JsonObject event(JsonObject v) {
        String name = text(v, "name");
        String event = name.equals(topicStateName) ? "TOPIC_STATE_CHANGED" : name;
        JsonObject o = nat(event);
        switch (event) {
            case "CHANNEL_SESSION_STARTED": {
                long s = session(text(v, "channelSession", "id"));
                o.addProperty("session", s);
                o.addProperty("channel", kindOf(text(v, "channelSession", "channel", "channelType", "name")));
                String mode = text(v, "channelSession", "channel", "channelConfig", "routingPolicy", "routingMode");
                if (mode != null) {
                    o.addProperty("routing_mode", mode);
                }
                break;
            }
            case "CHANNEL_SESSION_ENDED":
            case "CUSTOMER_MESSAGE":
            case "BOT_MESSAGE":
            case "CUSTOMER_SLA_STOPPED":
            case "CUSTOMER_SLA_EXPIRED":
            case "TASK_ENQUEUED":
            case "NO_AGENT_AVAILABLE":
            case "AGENT_SUBSCRIBED":
                if (at(v, "channelSession", "id") != null) {
                    o.addProperty("session", session(text(v, "channelSession", "id")));
                }
                break;
            case "CUSTOMER_SLA_STARTED":
                o.addProperty("session", session(text(v, "channelSession", "id")));
                o.addProperty("deadline_ms", 0); // not carried (VENDOR.md); no consumer reads it
                break;
            case "AGENT_SLA_STARTED":
            case "RESET_AGENT_SLA":
                o.addProperty("deadline_ms", 0);
                break;
            default:
                break;
        }
        switch (event) {
            case "AGENT_MESSAGE": {
                long a = agent(text(v, "data", "header", "sender", "id"));
                o.addProperty("agent", a);
                o.addProperty("role", roles.get(a)); // from the agent's subscription or role change
                if ("WRAPUP".equals(text(v, "data", "body", "type"))) {
                    o.addProperty("wrap_up", true);
                }
                break;
            }
            case "TOPIC_STATE_CHANGED":
                o.addProperty("state", text(v, "data", "state"));
                break;
            case "AGENT_RESERVED":
                o.addProperty("agent", agent(text(v, "data", "ccUser", "id")));
                o.addProperty("task", task(text(v, "data", "task", "id")));
                break;
            case "AGENT_SUBSCRIBED":
                o.addProperty("agent", agent(text(v, "data", "agentParticipant", "participant", "id")));
                reorder(o, "session");
                break;
            case "AGENT_UNSUBSCRIBED":
                o.addProperty("agent", agent(text(v, "data", "agentParticipant", "participant", "id")));
                o.addProperty("reason", text(v, "data", "reason"));
                break;
            case "PARTICIPANT_ROLE_CHANGED":
                o.addProperty("agent", agent(text(v, "data", "conversationParticipant", "participant", "id")));
                o.addProperty("role", text(v, "data", "conversationParticipant", "role"));
                break;
            case "TASK_STATE_CHANGED":
                o.add("task", taskView(at(v, "data", "task").getAsJsonObject()));
                break;
            case "TASK_ENQUEUED":
                o.addProperty("task", task(text(v, "data", "task", "id")));
                reorder(o, "session");
                break;
            case "NO_AGENT_AVAILABLE":
                o.addProperty("task", lastClosed); // the last task closed: NoAgentAvailableDto has none
                reorder(o, "session");
                break;
            case "AGENT_SLA_THRESHOLD_REACHED":
            case "CUSTOMER_SLA_THRESHOLD_REACHED":
                if (at(v, "channelSession", "id") != null) {
                    o.addProperty("session", session(text(v, "channelSession", "id")));
                }
                o.add("level", at(v, "data", "level"));
                o.add("percent", at(v, "data", "percent"));
                break;
            default:
                break;
        }
        observe(o);
        return o;
    }

    /** Moves a field last (only for reading ease: the engine parses fields by name). */
    private static void reorder(JsonObject o, String key) {
        JsonElement v = o.remove(key);
        if (v != null) {
            o.add(key, v);
        }
    }

    private JsonObject taskView(JsonObject t) {
        JsonObject view = new JsonObject();
        view.addProperty("id", task(text(t, "id")));
        JsonArray medias = t.getAsJsonArray("activeMedia");
        JsonObject first = medias.get(0).getAsJsonObject();
        view.addProperty("session", session(text(first, "requestSession", "id")));
        if (at(t, "assignedTo", "id") != null) {
            view.addProperty("agent", agent(text(t, "assignedTo", "id")));
        }
        view.addProperty("state", text(t, "state", "name"));
        view.addProperty("media_state", text(first, "state"));
        view.addProperty("direction", text(first, "type", "direction"));
        view.addProperty("mode", text(first, "type", "mode"));
        String reason = text(t, "state", "reasonCode");
        if (reason != null) {
            view.addProperty("reason", reason.startsWith("WRAP_UP_") ? "DONE" : reason);
        }
        JsonArray extra = new JsonArray();
        for (int i = 1; i < medias.size(); i++) {
            JsonObject m = medias.get(i).getAsJsonObject();
            if (!"CLOSED".equals(text(m, "state"))) {
                extra.add(session(text(m, "requestSession", "id")));
            }
        }
        if (extra.size() > 0) {
            view.add("extra_medias", extra);
        }
        return view;
    }

    /** Notes what a cxspec event says for the derivations. */
    void observe(JsonObject nativeEvent) {
        String event = nativeEvent.get("event").getAsString();
        switch (event) {
            case "AGENT_SUBSCRIBED":
                roles.put(nativeEvent.get("agent").getAsLong(), "PRIMARY");
                break;
            case "PARTICIPANT_ROLE_CHANGED":
                roles.put(nativeEvent.get("agent").getAsLong(), nativeEvent.get("role").getAsString());
                break;
            case "AGENT_UNSUBSCRIBED":
                roles.remove(nativeEvent.get("agent").getAsLong());
                break;
            case "TASK_STATE_CHANGED": {
                JsonObject view = nativeEvent.getAsJsonObject("task");
                long id = view.get("id").getAsLong();
                if ("CLOSED".equals(view.get("state").getAsString())) {
                    lastClosed = id;
                }
                tasks.put(id, view);
                break;
            }
            default:
                break;
        }
    }

    // ---- the engine's events, to the vendor's objects ---------------------------------------

    /**
     * A cxspec event the engine published, as the CimEvent the vendor's components publish.
     * {@code stimulus} is the input being answered (null for an advance): it names the object
     * model's close reason of a wrap-up (WRAP_UP_APPLIED, WRAP_UP_NOT_APPLIED, WRAP_UP_EXPIRED).
     */
    JsonObject publish(JsonObject e, long atMs, String stimulus) {
        String event = e.get("event").getAsString();
        ObjectModel.CimEvent c = new ObjectModel.CimEvent();
        events++;
        c.id = String.format("0b1ec7%018x", events);
        c.name = event.equals("TOPIC_STATE_CHANGED") ? topicStateName : event;
        c.type = event.endsWith("_MESSAGE") ? "MESSAGE" : "NOTIFICATION";
        c.timestamp = EPOCH_MS + atMs;
        c.conversationId = CONVERSATION;
        Object data = null;
        if (e.has("session")) {
            c.channelSession = ObjectModel.ChannelSession.of(sessionId(e.get("session").getAsLong()));
        }
        switch (event) {
            case "CHANNEL_SESSION_STARTED": {
                ObjectModel.ChannelSession s = c.channelSession;
                s.conversationId = CONVERSATION;
                s.isActive = true;
                s.channel = new ObjectModel.Channel();
                s.channel.channelType = new ObjectModel.ChannelType();
                s.channel.channelType.name = "VOICE".equals(e.get("channel").getAsString()) ? "CX_VOICE" : "WEB";
                if (e.has("routing_mode")) {
                    s.channel.channelConfig = new ObjectModel.ChannelConfig();
                    s.channel.channelConfig.routingPolicy = new ObjectModel.RoutingPolicy();
                    s.channel.channelConfig.routingPolicy.routingMode = e.get("routing_mode").getAsString();
                }
                data = s;
                break;
            }
            case "CUSTOMER_MESSAGE":
            case "BOT_MESSAGE":
            case "AGENT_MESSAGE": {
                ObjectModel.CimMessage m = new ObjectModel.CimMessage();
                if (event.equals("AGENT_MESSAGE")) {
                    m.header.sender.id = agentId(e.get("agent").getAsLong());
                    m.header.sender.type = "AGENT";
                } else {
                    m.header.sender.type = event.equals("BOT_MESSAGE") ? "BOT" : "CUSTOMER";
                    m.header.channelSessionId = c.channelSession.id;
                }
                m.body.type = e.has("wrap_up") && e.get("wrap_up").getAsBoolean() ? "WRAPUP" : "PLAIN";
                data = m;
                break;
            }
            case "TOPIC_STATE_CHANGED": {
                ObjectModel.Conversation conv = new ObjectModel.Conversation();
                conv.id = CONVERSATION;
                conv.state = e.get("state").getAsString();
                data = conv;
                break;
            }
            case "AGENT_RESERVED": {
                ObjectModel.AgentReservedDto d = new ObjectModel.AgentReservedDto();
                d.task = new ObjectModel.TaskRef();
                d.task.id = taskId(e.get("task").getAsLong());
                d.ccUser = new ObjectModel.CCUser();
                d.ccUser.id = agentId(e.get("agent").getAsLong());
                data = d;
                break;
            }
            case "AGENT_SUBSCRIBED":
            case "AGENT_UNSUBSCRIBED": {
                ObjectModel.AgentSubUnSubDTO d = new ObjectModel.AgentSubUnSubDTO();
                d.agentParticipant = participant(e, event.equals("AGENT_SUBSCRIBED") ? "PRIMARY" : null);
                d.reason = e.has("reason") ? e.get("reason").getAsString() : null;
                data = d;
                break;
            }
            case "PARTICIPANT_ROLE_CHANGED": {
                ObjectModel.ParticipantRoleChangedDto d = new ObjectModel.ParticipantRoleChangedDto();
                d.conversationParticipant = participant(e, e.get("role").getAsString());
                data = d;
                break;
            }
            case "TASK_STATE_CHANGED": {
                JsonObject view = e.getAsJsonObject("task");
                long id = view.get("id").getAsLong();
                JsonObject previous = tasks.get(id);
                ObjectModel.TaskStateChangedDto d = new ObjectModel.TaskStateChangedDto();
                d.task = task(view, previous, stimulus);
                d.taskStateChanged = previous == null
                        || !previous.get("state").equals(view.get("state"))
                        || !String.valueOf(previous.get("reason")).equals(String.valueOf(view.get("reason")));
                if (previous == null || !previous.get("media_state").equals(view.get("media_state"))) {
                    d.mediaStateChanges.add(d.task.activeMedia.get(0).id);
                }
                c.channelSession = ObjectModel.ChannelSession.of(sessionId(view.get("session").getAsLong()));
                data = d;
                break;
            }
            case "TASK_ENQUEUED": {
                ObjectModel.TaskEnqueuedDto d = new ObjectModel.TaskEnqueuedDto();
                d.task = new ObjectModel.TaskRef();
                d.task.id = taskId(e.get("task").getAsLong());
                data = d;
                break;
            }
            case "NO_AGENT_AVAILABLE": {
                // ActivemqCommunicator.java 152-156 (routing-engine 74d7fc6): the media's type only.
                ObjectModel.NoAgentAvailableDto d = new ObjectModel.NoAgentAvailableDto();
                JsonObject view = tasks.get(e.get("task").getAsLong());
                if (view != null) {
                    d.requestType = new ObjectModel.TaskType();
                    d.requestType.direction = view.get("direction").getAsString();
                    d.requestType.mode = view.get("mode").getAsString();
                }
                data = d;
                break;
            }
            case "AGENT_SLA_THRESHOLD_REACHED":
            case "CUSTOMER_SLA_THRESHOLD_REACHED": {
                JsonObject d = new JsonObject();
                d.add("level", e.get("level"));
                d.add("percent", e.get("percent"));
                data = d;
                break;
            }
            default:
                break; // SLA starts carry no deadline (VENDOR.md); the rest carry no payload
        }
        c.data = data == null ? null : (data instanceof JsonElement ? (JsonElement) data : OBJECTS.toJsonTree(data));
        observe(e);
        return OBJECTS.toJsonTree(c).getAsJsonObject();
    }

    private static ObjectModel.ConversationParticipant participant(JsonObject e, String role) {
        ObjectModel.ConversationParticipant p = new ObjectModel.ConversationParticipant();
        p.type = "AGENT";
        p.role = role;
        p.participant = new ObjectModel.CCUser();
        p.participant.id = agentId(e.get("agent").getAsLong());
        return p;
    }

    private ObjectModel.Task task(JsonObject view, JsonObject previous, String stimulus) {
        ObjectModel.Task t = new ObjectModel.Task();
        long id = view.get("id").getAsLong();
        t.id = taskId(id);
        t.conversationId = CONVERSATION;
        t.state = new ObjectModel.TaskState();
        t.state.name = view.get("state").getAsString();
        if (view.has("reason")) {
            t.state.reasonCode = ObjectModel.TaskStateReasonCode.valueOf(view.get("reason").getAsString());
            boolean wrapUpEnds = previous != null && "WRAP_UP".equals(previous.get("state").getAsString())
                    && t.state.reasonCode == ObjectModel.TaskStateReasonCode.DONE;
            if (wrapUpEnds) {
                // The object model's three codes for a wrap-up's close (Enums.java 124-132).
                t.state.reasonCode = "WRAP_UP_APPLIED".equals(stimulus) ? ObjectModel.TaskStateReasonCode.WRAP_UP_APPLIED
                        : "LEAVE_WITHOUT_WRAP_UP".equals(stimulus) ? ObjectModel.TaskStateReasonCode.WRAP_UP_NOT_APPLIED
                        : ObjectModel.TaskStateReasonCode.WRAP_UP_EXPIRED;
            }
        }
        if (view.has("agent")) {
            t.assignedTo = new ObjectModel.TaskAgent();
            t.assignedTo.id = agentId(view.get("agent").getAsLong());
        }
        ObjectModel.TaskType type = new ObjectModel.TaskType();
        type.direction = view.get("direction").getAsString();
        type.mode = view.get("mode").getAsString();
        t.activeMedia.add(media(t.id, 0, type, view.get("media_state").getAsString(), view.get("session").getAsLong()));
        if (view.has("extra_medias")) {
            int i = 1;
            for (JsonElement s : view.getAsJsonArray("extra_medias")) {
                t.activeMedia.add(media(t.id, i++, type, "ACTIVE", s.getAsLong()));
            }
        }
        return t;
    }

    private static ObjectModel.TaskMedia media(String taskId, int index, ObjectModel.TaskType type, String state, long session) {
        ObjectModel.TaskMedia m = new ObjectModel.TaskMedia();
        m.id = UUID.nameUUIDFromBytes((taskId + "/" + index).getBytes(StandardCharsets.UTF_8)).toString();
        m.taskId = taskId;
        m.type = type;
        m.state = state;
        m.requestSession = ObjectModel.ChannelSession.of(sessionId(session));
        m.channelSessions.add(ObjectModel.ChannelSession.of(sessionId(session)));
        return m;
    }
}
