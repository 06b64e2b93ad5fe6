package org.idpbridge.keycloak.phone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SendBudgetTest {
    /** A store with an atomic put-if-absent, as Keycloak's single-use object store; "now"
     *  moved by hand, each key living its lifespan from when it was put. */
    static final class Store implements SendBudget.Slots {
        final Map<String, Long> expiry = new ConcurrentHashMap<>();
        volatile long now;

        @Override
        public synchronized boolean contains(String key) {
            Long until = expiry.get(key);
            return until != null && until > now;
        }

        @Override
        public synchronized boolean putIfAbsent(String key, long lifespanSeconds) {
            if (contains(key)) {
                return false;
            }
            expiry.put(key, now + lifespanSeconds);
            return true;
        }

        @Override
        public synchronized void remove(String key) {
            expiry.remove(key);
        }
    }

    private static List<SendBudget.Budget> budgets(String user, String address) {
        return List.of(new SendBudget.Budget("user." + user, 10),
                new SendBudget.Budget("address." + address, 3),
                new SendBudget.Budget("total", 5));
    }

    @Test
    void sendsFromOneAddressStopAtItsBudgetWhateverTheLogin() {
        Store store = new Store();
        int sent = 0;
        for (int login = 0; login < 10; login++) {
            if (SendBudget.take(store, budgets("u" + login, "203.0.113.9")).ok()) {
                sent++;
            }
        }
        assertEquals(3, sent);
        // Another address still has its own budget, until the total is spent.
        assertTrue(SendBudget.take(store, budgets("x", "198.51.100.7")).ok());
        assertTrue(SendBudget.take(store, budgets("y", "198.51.100.8")).ok());
        SendBudget.Outcome spent = SendBudget.take(store, budgets("z", "198.51.100.9"));
        assertEquals("total", spent.spent().key());
        assertTrue(spent.taken().isEmpty());
    }

    @Test
    void aRefusalTakesNothingAndAFailedSendGivesItsSlotsBack() {
        Store store = new Store();
        for (int i = 0; i < 3; i++) {
            assertTrue(SendBudget.take(store, budgets("u", "a")).ok());
        }
        int before = store.expiry.size();
        assertEquals("address.a", SendBudget.take(store, budgets("u", "a")).spent().key());
        assertEquals(before, store.expiry.size());  // the user's slot taken first was returned
        List<String> taken = SendBudget.take(store, budgets("v", "b")).taken();
        SendBudget.release(store, taken);
        assertEquals(before, store.expiry.size());
    }

    @Test
    void aSlotComesBackAnHourAfterItWasTaken() {
        Store store = new Store();
        for (int i = 0; i < 3; i++) {
            assertTrue(SendBudget.take(store, budgets("u" + i, "a")).ok());
            store.now += 600;
        }
        assertFalse(SendBudget.take(store, budgets("w", "a")).ok());
        store.now = SendBudget.WINDOW_SECONDS;  // the first send is an hour old
        assertTrue(SendBudget.take(store, budgets("w", "a")).ok());
        assertFalse(SendBudget.take(store, budgets("w2", "a")).ok());
    }

    @Test
    void aBudgetLoweredAtRunTimeCountsTheSendsAlreadyMade() {
        Store store = new Store();
        assertTrue(SendBudget.take(store, List.of(new SendBudget.Budget("user.u", 50))).ok());
        // The realm's administrator lowers the hourly cap to 2: the earlier send counts.
        assertTrue(SendBudget.take(store, List.of(new SendBudget.Budget("user.u", 2))).ok());
        assertFalse(SendBudget.take(store, List.of(new SendBudget.Budget("user.u", 2))).ok());
        // Raised again: its new slots are free at once.
        assertTrue(SendBudget.take(store, List.of(new SendBudget.Budget("user.u", 3))).ok());
    }

    @Test
    void concurrentSendersNeverExceedTheBudget() throws InterruptedException {
        Store store = new Store();
        AtomicInteger sent = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        for (int i = 0; i < 200; i++) {
            int login = i;
            pool.submit(() -> {
                if (SendBudget.take(store, List.of(new SendBudget.Budget("user." + login, 10),
                        new SendBudget.Budget("address.a", 50))).ok()) {
                    sent.incrementAndGet();
                }
            });
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(50, sent.get());
    }
}
