-- The bridge keeps its own database beside Keycloak's.
CREATE DATABASE bridge OWNER portal;
