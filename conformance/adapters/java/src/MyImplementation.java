import com.google.gson.JsonObject;
import java.util.List;

/*
 * ==========================================================================================
 *   YOUR CODE GOES HERE. This is the one file of the Java starter you are meant to edit.
 * ==========================================================================================
 *
 * Adapter.java speaks the protocol (lines, JSON, seq, errors); this class connects it to your
 * implementation of the rules. Each method gets the runner's request (typed getters such as
 * request.config() and request.input(), and request.json() for all of it) and returns a Reply
 * (Reply.ok().publish(...), Reply.skip(...)). An exception becomes an error for that case.
 * Print logs with System.err (System.out is redirected there; stdout carries replies only).
 *
 * Until reset() says otherwise, every case is skipped with NOT_YET as the reason, so a first
 * run is clean: "0 passed ... N skipped by the adapter".
 *
 * What to publish, and in which order: conformance/FORMAT.md ("Time", "Suites"); the rules
 * themselves: spec/RULES.md.
 */
public final class MyImplementation implements Implementation {
    static final String NOT_YET =
            "not implemented yet: write your code in conformance/adapters/java/src/MyImplementation.java";

    // TODO: the state of one case, e.g. your Conversation Monitor or Routing Engine:
    // private MyRoutingEngine engine;

    @Override
    public Reply hello(Request request) {
        // TODO: your name, and only the suites you implement (e.g. List.of("task")); the runner
        // skips the other suites without a reset. Mutants: leave empty unless you offer some.
        return Reply.hello("my implementation (cxspec Java starter)",
                List.of("sla", "task", "conversation", "system"), List.of());
    }

    @Override
    public Reply reset(Request request) {
        // TODO: decline the cases you do not run, then start a fresh case, clock at 0:
        //   if (!request.ruleSet().equals("specified")) return Reply.skip("specified rule set only");
        //   engine = new MyRoutingEngine(request.config());   // request.config(): FORMAT.md "config"
        //   return Reply.ok();
        return Reply.skip(NOT_YET);
    }

    @Override
    public Reply apply(Request request) {
        // TODO: act on the input at request.atMs() if your component owns it or has a rule for
        // it, then consume request.events() in order; return what you published, e.g.
        //   JsonObject input = request.input();          // {"event": "REQUEST_AGENT", ...}
        //   if (rejected) return Reply.ok().reject("NO_CUSTOMER");
        //   return Reply.ok()
        //       .publish(Reply.event("TASK_ENQUEUED", "task", 1))
        //       .state(myState);                          // optional: checks timers, tasks, ...
        throw new UnsupportedOperationException("apply: " + NOT_YET);
    }

    @Override
    public Reply advance(Request request) {
        // TODO: fire your due timers up to request.toMs(), one at a time in (deadline, key)
        // order, publishing their events; then consume request.events(); return Reply.ok()...
        throw new UnsupportedOperationException("advance: " + NOT_YET);
    }

    @Override
    public void close() {
        // TODO (optional): release what your implementation holds.
    }
}
