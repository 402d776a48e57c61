import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonSyntaxException;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.StringReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The cxspec adapter protocol (conformance/PROTOCOL.md), version 1: one JSON request per
 * line on stdin, one JSON reply per line on stdout, flushed, with the request's {@code seq}.
 * Nothing else is written to stdout: {@code System.out} is redirected to stderr, the log.
 *
 * <p>Serves {@link MyImplementation}, or, when the environment variable {@code CXSPEC_FORWARD}
 * holds a command, {@link Forward}: the pass-through that tests this starter against the
 * reference. You should not need to edit this file.
 */
public final class Adapter {
    static final int PROTOCOL = 1;

    /** Nulls kept (null and absent differ), no HTML escaping, numbers written as read. */
    static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    private static final TypeAdapter<JsonElement> ELEMENT = GSON.getAdapter(JsonElement.class);

    private final String forward = System.getenv("CXSPEC_FORWARD");
    private Implementation implementation;
    /** Whether the last reset succeeded: apply and advance need a case. */
    private boolean inCase;

    public static void main(String[] args) throws IOException {
        Writer stdout = new BufferedWriter(
                new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8));
        System.setOut(System.err);
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Adapter adapter = new Adapter();
        String line;
        while ((line = stdin.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            stdout.write(GSON.toJson(adapter.handle(line)));
            stdout.write('\n');
            stdout.flush();
        }
        if (adapter.implementation != null) {
            adapter.implementation.close();
        }
    }

    /** One request line to one reply object; never throws. */
    JsonObject handle(String line) {
        JsonElement seq = null;
        JsonObject reply;
        try {
            JsonElement parsed;
            try {
                parsed = parse(line);
            } catch (IOException | JsonSyntaxException e) {
                String why = String.valueOf(e.getMessage()).replace("Use JsonReader.setLenient(true) to accept malformed JSON", "syntax error");
                return Reply.error("malformed request, not JSON: " + why).json();
            }
            if (!parsed.isJsonObject()) {
                return Reply.error("malformed request: not a JSON object").json();
            }
            JsonObject request = parsed.getAsJsonObject();
            seq = request.get("seq");
            Reply answer = dispatch(new Request(request));
            if (answer == null) {
                throw new IllegalStateException("the implementation returned no reply");
            }
            reply = answer.json();
        } catch (Exception | AssertionError | StackOverflowError e) {
            e.printStackTrace();
            reply = Reply.error(describe(e)).json();
        }
        // A copy with ok and seq first, so that a reply object kept by the implementation is
        // never changed here.
        JsonObject out = new JsonObject();
        if (reply.has("ok")) {
            out.add("ok", reply.get("ok"));
        }
        if (seq != null) {
            out.add("seq", seq);
        }
        for (Map.Entry<String, JsonElement> field : reply.entrySet()) {
            if (!field.getKey().equals("ok") && !field.getKey().equals("seq")) {
                out.add(field.getKey(), field.getValue());
            }
        }
        return out;
    }

    private Reply dispatch(Request request) throws IOException {
        String op = request.op();
        if (op == null) {
            return Reply.error("a request without op");
        }
        switch (op) {
            case "hello": {
                inCase = false;
                Reply reply = implementation().hello(request);
                if (ok(reply) && !reply.json().has("protocol")) {
                    reply.json().addProperty("protocol", PROTOCOL);
                }
                return reply;
            }
            case "reset": {
                inCase = false;
                Reply reply = implementation().reset(request);
                inCase = ok(reply);
                return reply;
            }
            case "apply":
            case "advance": {
                if (!inCase) {
                    return Reply.error(op + " before a successful reset");
                }
                Reply reply = op.equals("apply") ? implementation().apply(request) : implementation().advance(request);
                if (ok(reply) && !reply.json().has("published")) {
                    reply.json().add("published", new JsonArray());
                }
                return reply;
            }
            default:
                return Reply.error("unknown op " + op);
        }
    }

    /** Created at the first request, so that a failing constructor is reported, not fatal. */
    private Implementation implementation() throws IOException {
        if (implementation == null) {
            implementation = forward != null && !forward.isBlank() ? new Forward(forward) : new MyImplementation();
        }
        return implementation;
    }

    private static boolean ok(Reply reply) {
        JsonElement ok = reply == null ? null : reply.json().get("ok");
        return ok != null && ok.isJsonPrimitive() && ok.getAsJsonPrimitive().isBoolean() && ok.getAsBoolean();
    }

    /** Strict JSON (no comments, single quotes or trailing text), numbers kept as written. */
    static JsonElement parse(String text) throws IOException {
        JsonReader reader = new JsonReader(new StringReader(text));
        JsonElement element = ELEMENT.read(reader);
        if (reader.peek() != JsonToken.END_DOCUMENT) {
            throw new JsonSyntaxException("text after the JSON value");
        }
        return element;
    }

    private static String describe(Throwable e) {
        String text = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        StackTraceElement[] trace = e.getStackTrace();
        return trace.length == 0 ? text : text + " (at " + trace[0] + ")";
    }
}
