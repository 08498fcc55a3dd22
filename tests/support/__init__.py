"""Shared test support: real OTLP/Zipkin receivers on 127.0.0.1 and TLS material."""
