import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.util.List;

/**
 * A Java adapter that speaks only the vendor's JSON: it declares the {@code expertflow-cim}
 * profile and its readings in hello, reads the runner's inputs and events as the object model's
 * objects (CimEvent envelopes, DTOs, commands: conformance/VENDOR.md) and publishes CimEvents
 * built from {@link ObjectModel}.
 *
 * <p>Its rules are not written in Java: the engine is a native cxspec engine started from
 * {@code CXSPEC_ENGINE} (e.g. {@code cxspec conform --serve-reference}), reached through the
 * starter's {@link Forward}, and {@link CimMapping} translates in between. This shows that the
 * profile can be implemented from the vendor's side of the wire and holds the runner's
 * translation to an independent one; a vendor implementation puts its own engine where the
 * forward is, and drops the translation.
 */
public final class MyImplementation implements Implementation {
    /** The readings this adapter follows: the vendor's code names (VENDOR.md, "Readings"). */
    static final String THRESHOLD_EVENT = "sla-started";
    static final String TOPIC_STATE_EVENT = "topic-state-change-event";

    private final Forward engine;
    private CimMapping mapping;

    public MyImplementation() throws IOException {
        String command = System.getenv("CXSPEC_ENGINE");
        if (command == null || command.isBlank()) {
            throw new IllegalStateException("set CXSPEC_ENGINE to the native engine's command, e.g. `target/release/cxspec conform --serve-reference`");
        }
        engine = new Forward(command);
    }

    @Override
    public Reply hello(Request request) {
        Reply native_ = engine.hello(request);
        Reply reply = Reply.hello("cxspec java vendor-object-model adapter", List.of("sla", "task", "conversation", "system"), List.of());
        if (!native_.json().get("ok").getAsBoolean()) {
            return native_;
        }
        reply.json().addProperty("profile", "expertflow-cim");
        JsonObject readings = new JsonObject();
        readings.addProperty("R-23", THRESHOLD_EVENT);
        readings.addProperty("R-24", TOPIC_STATE_EVENT);
        reply.json().add("readings", readings);
        return reply;
    }

    @Override
    public Reply reset(Request request) {
        JsonElement readings = request.json().get("readings");
        JsonElement topic = readings != null && readings.isJsonObject() ? readings.getAsJsonObject().get("R-24") : null;
        String name = topic != null && TOPIC_STATE_EVENT.equals(topic.getAsString()) ? "TOPIC_STATE_CHANGE_EVENT" : "TOPIC_STATE_CHANGED";
        mapping = new CimMapping(name);
        return engine.reset(request);
    }

    @Override
    public Reply apply(Request request) {
        JsonObject json = request.json().deepCopy();
        JsonObject input = mapping.input(json.getAsJsonObject("input"));
        json.add("input", input);
        translateEvents(json);
        return translateReply(engine.apply(new Request(json)), request.atMs(), input.get("event").getAsString());
    }

    @Override
    public Reply advance(Request request) {
        JsonObject json = request.json().deepCopy();
        translateEvents(json);
        return translateReply(engine.advance(new Request(json)), request.toMs(), null);
    }

    private void translateEvents(JsonObject json) {
        JsonArray events = json.getAsJsonArray("events");
        if (events == null) {
            return;
        }
        JsonArray native_ = new JsonArray();
        for (JsonElement e : events) {
            native_.add(mapping.event(e.getAsJsonObject()));
        }
        json.add("events", native_);
    }

    /** The engine's reply with its events as CimEvents; `state` is not part of the profile. */
    private Reply translateReply(Reply reply, long atMs, String stimulus) {
        JsonObject json = reply.json();
        json.remove("state");
        JsonArray published = json.getAsJsonArray("published");
        if (published != null) {
            JsonArray vendor = new JsonArray();
            for (JsonElement e : published) {
                vendor.add(mapping.publish(e.getAsJsonObject(), atMs, stimulus));
            }
            json.add("published", vendor);
        }
        return reply;
    }

    @Override
    public void close() {
        engine.close();
    }
}
