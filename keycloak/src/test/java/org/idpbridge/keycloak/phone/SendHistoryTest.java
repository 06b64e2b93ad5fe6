package org.idpbridge.keycloak.phone;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SendHistoryTest {
    @Test
    void countsSendsInTheLastHourAndForgetsOlderOnes() {
        SendHistory history = SendHistory.parse("1000,2000, x ,");
        assertEquals(2, history.countSince(3000));
        assertEquals(1, history.countSince(1000 + SendHistory.WINDOW_MILLIS));
        history.record(2000 + SendHistory.WINDOW_MILLIS);
        assertEquals(String.valueOf(2000 + SendHistory.WINDOW_MILLIS), history.format());
        assertEquals(0, SendHistory.parse(null).countSince(0));
    }
}
