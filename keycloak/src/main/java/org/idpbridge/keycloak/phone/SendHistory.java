package org.idpbridge.keycloak.phone;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** When codes were sent to one user, or to one number: a rolling one-hour window, stored as
 *  a comma-separated list of epoch milliseconds. */
public final class SendHistory {
    public static final long WINDOW_MILLIS = 3_600_000L;
    private final List<Long> times = new ArrayList<>();

    public static SendHistory parse(String stored) {
        SendHistory history = new SendHistory();
        if (stored != null) {
            for (String t : stored.split(",")) {
                try {
                    if (!t.isBlank()) {
                        history.times.add(Long.parseLong(t.trim()));
                    }
                } catch (NumberFormatException ignored) {
                    // a damaged entry is dropped, never fatal
                }
            }
        }
        return history;
    }

    public static SendHistory empty() {
        return new SendHistory();
    }

    /** Sends within the hour before {@code nowMillis}. */
    public int countSince(long nowMillis) {
        return (int) times.stream().filter(t -> nowMillis - t < WINDOW_MILLIS).count();
    }

    public void record(long nowMillis) {
        forget(nowMillis);
        times.add(nowMillis);
    }

    /** Drops sends older than the window. */
    public void forget(long nowMillis) {
        times.removeIf(t -> nowMillis - t >= WINDOW_MILLIS);
    }

    public String format() {
        return times.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
