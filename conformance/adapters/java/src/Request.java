import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * One request of the runner, as the JSON object it sent ({@link #json}), with typed getters
 * for the fields of PROTOCOL.md. Inputs, events and the configuration stay JSON objects:
 * read them with {@code getAsJsonPrimitive("field")} and friends, or the helpers below.
 */
public final class Request {
    private final JsonObject json;

    Request(JsonObject json) {
        this.json = json;
    }

    /** The whole request, every field as received (including ones this class has no getter for). */
    public JsonObject json() {
        return json;
    }

    /** {@code hello}, {@code reset}, {@code apply} or {@code advance}. */
    public String op() {
        return string(json, "op");
    }

    /** reset: the vector's id, for your logs. */
    public String id() {
        return string(json, "id");
    }

    /** reset: {@code sla}, {@code task}, {@code conversation} or {@code system}. */
    public String suite() {
        return string(json, "suite");
    }

    /** reset: {@code specified}, {@code documented} or {@code as-implemented}. */
    public String ruleSet() {
        return string(json, "rule_set");
    }

    /** reset: every field of FORMAT.md's {@code config} ({@code routing_mode}, {@code agent_sla_ms}, ...). */
    public JsonObject config() {
        return json.getAsJsonObject("config");
    }

    /** reset, mutation runs only: the mutant to behave as (one of hello's {@code mutants}); else null. */
    public String mutant() {
        return string(json, "mutant");
    }

    /** apply: the time of the input, in milliseconds from the start of the case. */
    public long atMs() {
        return number(json, "at_ms");
    }

    /** apply: the input, {@code {"event": NAME, ...fields}}. */
    public JsonObject input() {
        return json.getAsJsonObject("input");
    }

    /** advance: the time to advance the clock to. */
    public long toMs() {
        return number(json, "to_ms");
    }

    /** apply, advance: what the other components published in this step (empty when absent). */
    public List<JsonObject> events() {
        List<JsonObject> events = new ArrayList<>();
        JsonArray array = json.getAsJsonArray("events");
        if (array != null) {
            for (JsonElement e : array) {
                events.add(e.getAsJsonObject());
            }
        }
        return events;
    }

    /** The string field {@code name} of {@code object}, or null when absent or null. */
    public static String string(JsonObject object, String name) {
        JsonElement e = object.get(name);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    /** The integer field {@code name} of {@code object}; an exception when absent. */
    public static long number(JsonObject object, String name) {
        JsonElement e = object.get(name);
        if (e == null || e.isJsonNull()) {
            throw new IllegalArgumentException("no field " + name + " in " + object);
        }
        return e.getAsLong();
    }

    /** The event name of an input or event: its {@code event} field. */
    public static String event(JsonObject inputOrEvent) {
        return string(inputOrEvent, "event");
    }
}
