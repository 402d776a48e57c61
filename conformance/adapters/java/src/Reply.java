import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.List;

/**
 * One reply, built on a JSON object ({@link #json}). {@link Adapter} adds {@code seq}, and
 * {@code "published": []} to an ok reply to apply or advance that published nothing.
 *
 * <pre>
 * Reply.ok()                                                  // reset accepted
 * Reply.skip("implements the task suite only")                // reset declined
 * Reply.ok().publish(Reply.event("CUSTOMER_SLA_STARTED", "session", 2, "deadline_ms", 156000))
 * Reply.ok().reject("NOT_RESERVED")                           // apply: input rejected
 * Reply.ok().publish(...).state(stateObject).rules("SLA-02")  // optional extras
 * </pre>
 */
public final class Reply {
    private final JsonObject json;

    private Reply(JsonObject json) {
        this.json = json;
    }

    /** {@code {"ok":true}}. */
    public static Reply ok() {
        JsonObject o = new JsonObject();
        o.addProperty("ok", true);
        return new Reply(o);
    }

    /** reset only: the case is not run, and the report says why. */
    public static Reply skip(String why) {
        JsonObject o = new JsonObject();
        o.addProperty("ok", false);
        o.addProperty("skip", why);
        return new Reply(o);
    }

    /** An adapter error for the case (the runner then starts a fresh process). */
    public static Reply error(String message) {
        JsonObject o = new JsonObject();
        o.addProperty("ok", false);
        o.addProperty("error", message);
        return new Reply(o);
    }

    /** The reply to hello: protocol 1, your name, the suites you run, the mutants you offer. */
    public static Reply hello(String name, List<String> suites, List<String> mutants) {
        Reply r = ok();
        r.json.addProperty("name", name);
        r.json.addProperty("protocol", Adapter.PROTOCOL);
        r.json.add("suites", strings(suites));
        r.json.add("mutants", strings(mutants));
        return r;
    }

    /** A reply taken as it is (the pass-through uses this: no field is added or lost). */
    public static Reply of(JsonObject json) {
        return new Reply(json);
    }

    /** Appends an event to {@code published}, in publication order. */
    public Reply publish(JsonObject event) {
        JsonArray published = json.getAsJsonArray("published");
        if (published == null) {
            published = new JsonArray();
            json.add("published", published);
        }
        published.add(event);
        return this;
    }

    /** apply only: the input was rejected with this name (e.g. {@code NOT_RESERVED}). */
    public Reply reject(String name) {
        json.addProperty("reject", name);
        return this;
    }

    /** Optional: {@code conversation}, {@code tasks}, {@code timers} as in FORMAT.md. */
    public Reply state(JsonObject state) {
        json.add("state", state);
        return this;
    }

    /** Optional: the rule IDs you applied in this step (reports show them). */
    public Reply rules(String... ids) {
        json.add("rules", strings(List.of(ids)));
        return this;
    }

    public JsonObject json() {
        return json;
    }

    /**
     * An event {@code {"event": name, k1: v1, k2: v2, ...}}. Values: String, Number, Boolean,
     * null, or any JsonElement (e.g. a JsonArray). Fields that are absent in an event must be
     * left out, not written as null (FORMAT.md's conventions).
     */
    public static JsonObject event(String name, Object... fieldsAndValues) {
        if (fieldsAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("event " + name + ": fields and values must pair up");
        }
        JsonObject o = new JsonObject();
        o.addProperty("event", name);
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            o.add((String) fieldsAndValues[i], element(fieldsAndValues[i + 1]));
        }
        return o;
    }

    private static JsonElement element(Object v) {
        if (v == null) return JsonNull.INSTANCE;
        if (v instanceof JsonElement e) return e;
        if (v instanceof String s) return new JsonPrimitive(s);
        if (v instanceof Number n) return new JsonPrimitive(n);
        if (v instanceof Boolean b) return new JsonPrimitive(b);
        throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
    }

    private static JsonArray strings(List<String> values) {
        JsonArray a = new JsonArray();
        values.forEach(a::add);
        return a;
    }
}
