/**
 * What the adapter needs from an implementation of the rules (conformance/PROTOCOL.md).
 *
 * <p>{@link Adapter} reads the requests, calls these methods one at a time (never
 * concurrently), and writes each returned {@link Reply} with the request's {@code seq}.
 * One instance serves one adapter process; {@link #reset} starts every case afresh.
 * An exception thrown here becomes {@code {"ok":false,"error":...}} for that request.
 *
 * <p>Your code goes in {@link MyImplementation}; {@link Forward} is the pass-through the
 * starter's own CI test uses.
 */
public interface Implementation {
    /** The first request: who you are and which suites you run ({@link Reply#hello}). */
    Reply hello(Request request);

    /**
     * Start a case: fresh state, clock at 0, with {@link Request#suite}, {@link Request#ruleSet}
     * and {@link Request#config}. Return {@link Reply#ok} or {@link Reply#skip} to decline it.
     */
    Reply reset(Request request);

    /**
     * Apply {@link Request#input} at {@link Request#atMs}, then consume {@link Request#events}.
     * Return {@code Reply.ok()} with what you published, and {@code reject} if you rejected it.
     */
    Reply apply(Request request);

    /**
     * Advance the clock to {@link Request#toMs}, firing due timers in (deadline, key) order,
     * then consume {@link Request#events}. Return {@code Reply.ok()} with what you published.
     */
    Reply advance(Request request);

    /** Standard input has closed; the process exits after this returns. */
    default void close() {}
}
