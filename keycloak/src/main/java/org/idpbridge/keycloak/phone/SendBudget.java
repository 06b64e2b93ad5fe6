package org.idpbridge.keycloak.phone;

import java.util.ArrayList;
import java.util.List;

/**
 * Hourly send budgets (per user, per number, per client address, in total), counted
 * atomically in a store every Keycloak node shares: a budget of N is N slots
 * ({@code <key>.0} ... {@code <key>.N-1}), and a send takes a free slot with the store's
 * atomic put-if-absent; a slot lives one hour from when it was taken. So at most N sends in
 * any rolling hour, however many nodes and requests race (the losers of a race try the next
 * slot), and nothing is read-modified-written. Plain Java over {@link Slots}, so the rule is
 * unit-tested without a server; Keycloak's single-use object store is the production store.
 */
public final class SendBudget {
    public static final long WINDOW_SECONDS = 3600;

    /** The store: Keycloak's {@code SingleUseObjectProvider} (cluster-wide) in production. */
    public interface Slots {
        boolean contains(String key);

        /** Atomic: true for exactly one caller while the key lives. */
        boolean putIfAbsent(String key, long lifespanSeconds);

        void remove(String key);
    }

    /** One budget: {@code limit} sends per rolling hour under {@code key}. */
    public record Budget(String key, int limit) {
    }

    private SendBudget() {
    }

    /** The slots taken, or the budget that was spent (and nothing taken). */
    public record Outcome(List<String> taken, Budget spent) {
        public boolean ok() {
            return spent == null;
        }
    }

    /**
     * Take one slot in every budget, or none: the keys taken (give them back with
     * {@link #release} if the send then fails), or the first budget found spent.
     */
    public static Outcome take(Slots slots, List<Budget> budgets) {
        List<String> taken = new ArrayList<>();
        for (Budget budget : budgets) {
            String slot = free(slots, budget);
            if (slot == null) {
                release(slots, taken);
                return new Outcome(List.of(), budget);
            }
            taken.add(slot);
        }
        return new Outcome(List.copyOf(taken), null);
    }

    public static void release(Slots slots, List<String> taken) {
        taken.forEach(slots::remove);
    }

    /**
     * A slot of {@code budget} now ours, or null when all are taken. Always from slot 0 up,
     * so sends fill the lowest free slots: a budget lowered at run time (a realm attribute)
     * still counts the sends already made, and a raised one frees its new slots at once.
     * Concurrent senders that lose a slot to each other simply try the next one.
     */
    private static String free(Slots slots, Budget budget) {
        for (int i = 0; i < budget.limit(); i++) {
            String key = budget.key() + "." + i;
            if (!slots.contains(key) && slots.putIfAbsent(key, WINDOW_SECONDS)) {
                return key;
            }
        }
        return null;
    }
}
