//! Reaching the AWS emulator from the action's tests, through `rnd-test-support`: its
//! environment and a stand-in certificate.

use rnd_test_support::emulator;

/// The emulator's environment (`AWS_ENDPOINT_URL` and dummy credentials). Fails loudly, saying how
/// to start it, when the emulator is not there.
pub fn emulator_env() -> Vec<(String, String)> {
    emulator::env()
}

/// Stand-in for the hand-made certificate: requested in the emulator's ACM; its ARN.
pub fn certificate(env: &[(String, String)], domain: &str) -> String {
    emulator::certificate_blocking(&endpoint(env), domain)
}

/// SDK configuration for the emulator, for tests that call AWS beside the binary.
pub async fn sdk_config(env: &[(String, String)]) -> aws_config::SdkConfig {
    emulator::sdk_config(&endpoint(env)).await
}

fn endpoint(env: &[(String, String)]) -> String {
    emulator::endpoint_in(env)
}
