//! TLS settings of an endpoint: the files read into memory, and the rustls
//! client configuration made from them.

use super::Auth;
use super::AuthError;
use crate::vocab::text::io_reason;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::Path;
use std::sync::Arc;

/// The TLS material of an endpoint, read once. Equal keys share a client.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct TlsKey {
    /// PEM bytes of `ca_file` (replaces the built-in roots).
    ca: Option<Vec<u8>>,
    /// PEM bytes of `cert_file` and `key_file` (mTLS).
    client: Option<(Vec<u8>, Vec<u8>)>,
    server_name: Option<String>,
    pub(super) insecure: bool,
}

/// File names are not kept; what is shown is which settings are in use.
impl std::fmt::Debug for TlsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("ca_file", &self.ca.is_some())
            .field("client_cert", &self.client.is_some())
            .field("server_name", &self.server_name)
            .field("insecure_skip_verify", &self.insecure)
            .finish()
    }
}

impl TlsKey {
    /// Reads and checks the TLS files of `auth`.
    pub(super) fn load(auth: &Auth) -> Result<TlsKey, AuthError> {
        let ca = auth
            .ca_file
            .as_deref()
            .map(|p| read(p, "ca_file"))
            .transpose()?;
        let client = match (&auth.cert_file, &auth.key_file) {
            (Some(c), Some(k)) => Some((read(c, "cert_file")?, read(k, "key_file")?)),
            (None, None) => None,
            (Some(_), None) => {
                return Err(AuthError("cert_file needs key_file too".into()));
            }
            (None, Some(_)) => {
                return Err(AuthError("key_file needs cert_file too".into()));
            }
        };
        let server_name = auth.server_name.as_ref().map(|s| s.trim().to_string());
        if let Some(name) = &server_name {
            if ServerName::try_from(name.as_str()).is_err() {
                return Err(AuthError(format!(
                    "server_name {name:?} is not a valid DNS name or IP address"
                )));
            }
        }
        let key = TlsKey {
            ca,
            client,
            server_name,
            insecure: auth.insecure_skip_verify,
        };
        // Check the files now, so a bad file is a configuration error and
        // not a failure of every request.
        if !key.is_default() {
            key.rustls_config()?;
        }
        Ok(key)
    }

    /// No TLS setting at all: the built-in roots and the URL's host.
    pub(super) fn is_default(&self) -> bool {
        *self == TlsKey::default()
    }

    /// The rustls configuration for these settings.
    pub(super) fn rustls_config(&self) -> Result<ClientConfig, AuthError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| AuthError(format!("TLS: {e}")))?;
        let verifier: Arc<dyn ServerCertVerifier> = if self.insecure {
            Arc::new(NoVerify(provider.signature_verification_algorithms))
        } else {
            let mut roots = RootCertStore::empty();
            match &self.ca {
                Some(pem) => {
                    for cert in CertificateDer::pem_slice_iter(pem) {
                        let cert =
                            cert.map_err(|e| AuthError(format!("ca_file: not a PEM file ({e})")))?;
                        roots
                            .add(cert)
                            .map_err(|e| AuthError(format!("ca_file: bad certificate: {e}")))?;
                    }
                    if roots.is_empty() {
                        return Err(AuthError("ca_file: no certificate found".into()));
                    }
                }
                None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            }
            let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| AuthError(format!("ca_file: {e}")))?;
            match &self.server_name {
                Some(name) => {
                    let name = ServerName::try_from(name.clone())
                        .map_err(|_| AuthError(format!("server_name {name:?} is not valid")))?;
                    Arc::new(NamedVerifier { inner, name })
                }
                None => inner,
            }
        };
        let builder = builder
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        match &self.client {
            None => Ok(builder.with_no_client_auth()),
            Some((cert_pem, key_pem)) => {
                let certs = CertificateDer::pem_slice_iter(cert_pem)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| AuthError("cert_file: not a PEM certificate file".into()))?;
                if certs.is_empty() {
                    return Err(AuthError("cert_file: no certificate found".into()));
                }
                let key = PrivateKeyDer::from_pem_slice(key_pem)
                    .map_err(|_| AuthError("key_file: no private key found".into()))?;
                builder
                    .with_client_auth_cert(certs, key)
                    .map_err(|e| AuthError(format!("cert_file and key_file: {e}")))
            }
        }
    }
}

/// Reads a TLS file whole.
fn read(path: &Path, key: &str) -> Result<Vec<u8>, AuthError> {
    std::fs::read(path).map_err(|e| {
        AuthError(format!(
            "{key}: cannot read {}: {}",
            path.display(),
            io_reason(&e)
        ))
    })
}

/// Checks the server's certificate against `name` instead of the URL's host
/// (`server_name`: the certificate is issued for a name the URL does not use).
#[derive(Debug)]
struct NamedVerifier {
    inner: Arc<WebPkiServerVerifier>,
    name: ServerName<'static>,
}

impl ServerCertVerifier for NamedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, &self.name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `insecure_skip_verify`: any certificate is accepted (the handshake's
/// signatures are still checked against it).
#[derive(Debug)]
struct NoVerify(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}
