/** idp-bridge Keycloak plugin: phone verification and branding for the Provider Portal. */
package org.idpbridge.keycloak;
