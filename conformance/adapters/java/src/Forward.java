import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The pass-through: starts {@code sh -c "$CXSPEC_FORWARD"} (e.g. {@code cxspec conform
 * --serve-reference}) and hands it every request, returning its replies verbatim. Requests and
 * replies stay gson {@code JsonObject}s, so no field, null or number is lost on the way; the
 * child's {@code seq} is checked and removed, so that the one in the reply is {@link Adapter}'s.
 * The starter's CI test runs every vector this way. The child's stderr is this process's.
 */
final class Forward implements Implementation {
    private final String command;
    private final Process child;
    private final BufferedWriter toChild;
    private final BufferedReader fromChild;

    Forward(String command) throws IOException {
        this.command = command;
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", command);
        builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        child = builder.start();
        toChild = new BufferedWriter(new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8));
        fromChild = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    }

    @Override
    public Reply hello(Request request) {
        return send(request);
    }

    @Override
    public Reply reset(Request request) {
        return send(request);
    }

    @Override
    public Reply apply(Request request) {
        return send(request);
    }

    @Override
    public Reply advance(Request request) {
        return send(request);
    }

    private Reply send(Request request) {
        try {
            toChild.write(Adapter.GSON.toJson(request.json()));
            toChild.write('\n');
            toChild.flush();
            String line = fromChild.readLine();
            if (line == null) {
                throw new IllegalStateException("the forwarded command `" + command + "` closed its output");
            }
            JsonElement parsed = Adapter.parse(line);
            if (!parsed.isJsonObject()) {
                throw new IllegalStateException("the forwarded command replied with a non-object: " + line);
            }
            JsonObject reply = parsed.getAsJsonObject();
            JsonElement seq = reply.remove("seq");
            JsonElement asked = request.json().get("seq");
            if (seq != null && !seq.equals(asked)) {
                throw new IllegalStateException("the forwarded command answered seq " + seq + " to seq " + asked);
            }
            return Reply.of(reply);
        } catch (IOException e) {
            throw new IllegalStateException("forwarding to `" + command + "`: " + e, e);
        }
    }

    @Override
    public void close() {
        try {
            toChild.close();
            if (!child.waitFor(100, TimeUnit.MILLISECONDS)) {
                child.destroy();
            }
        } catch (IOException | InterruptedException e) {
            child.destroy();
        }
    }
}
