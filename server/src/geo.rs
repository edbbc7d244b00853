//! Approximate location of an address, from a MaxMind-format database file (GeoLite2 / GeoIP2 City,
//! or a compatible one such as DB-IP's) when `GEOIP_DATABASE` names one. Without a database, or for an
//! address the database does not know (private and loopback ranges among them), there is no location
//! and the pages and emails say "unknown location".
//!
//! The file is read once at start-up; a file that cannot be read stops the server with a clear error
//! rather than silently dropping every location.
use app::types::Locale;
use std::net::IpAddr;
use std::path::Path;

/// A place in each language the product speaks: "City, Country" (or only the country when the
/// database has no city for the address).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    en: String,
    fr: String,
    es: String,
}

impl Place {
    /// A place named in English, French and Spanish.
    pub fn named(en: &str, fr: &str, es: &str) -> Place {
        Place {
            en: en.into(),
            fr: fr.into(),
            es: es.into(),
        }
    }

    /// The place in `locale`, falling back to English where the database has no translation.
    pub fn label(&self, locale: Locale) -> &str {
        let own = match locale {
            Locale::En => &self.en,
            Locale::Fr => &self.fr,
            Locale::Es => &self.es,
        };
        if own.is_empty() {
            &self.en
        } else {
            own
        }
    }
}

/// The location database, when one is configured.
#[derive(Default)]
pub struct Locator {
    reader: Option<maxminddb::Reader<Vec<u8>>>,
}

impl std::fmt::Debug for Locator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Locator")
            .field("database", &self.reader.is_some())
            .finish()
    }
}

impl Locator {
    /// No database: every address has an unknown location.
    pub fn none() -> Locator {
        Locator { reader: None }
    }

    /// Opens the database at `path` and checks that it is a city (or country) database.
    pub fn open(path: &Path) -> Result<Locator, String> {
        let reader = maxminddb::Reader::open_readfile(path).map_err(|e| {
            format!(
                "GEOIP_DATABASE: {} is not a readable MaxMind-format database: {e}",
                path.display()
            )
        })?;
        let kind = reader.metadata().database_type.to_ascii_lowercase();
        if !(kind.contains("city") || kind.contains("country")) {
            return Err(format!(
                "GEOIP_DATABASE: {} is a {} database; a City or Country database is needed",
                path.display(),
                reader.metadata().database_type
            ));
        }
        Ok(Locator {
            reader: Some(reader),
        })
    }

    /// The configured database, or none when `path` is None.
    pub fn from_config(path: Option<&Path>) -> Result<Locator, String> {
        match path {
            Some(p) => Locator::open(p),
            None => Ok(Locator::none()),
        }
    }

    pub fn is_configured(&self) -> bool {
        self.reader.is_some()
    }

    /// Where `ip` approximately is, if the database knows.
    pub fn locate(&self, ip: Option<IpAddr>) -> Option<Place> {
        let reader = self.reader.as_ref()?;
        let ip = ip?;
        let found = match reader.lookup(ip) {
            Ok(found) => found,
            Err(e) => {
                tracing::debug!(error = %e, "location lookup failed");
                return None;
            }
        };
        let city: maxminddb::geoip2::City<'_> = match found.decode() {
            Ok(Some(city)) => city,
            Ok(None) => return None,
            Err(e) => {
                tracing::debug!(error = %e, "location record unreadable");
                return None;
            }
        };
        let pick = |names: &maxminddb::geoip2::Names<'_>, locale: Locale| -> String {
            let own = match locale {
                Locale::En => names.english,
                Locale::Fr => names.french,
                Locale::Es => names.spanish,
            };
            own.or(names.english).unwrap_or_default().to_string()
        };
        let label = |locale: Locale| -> String {
            let city_name = pick(&city.city.names, locale);
            let country = pick(&city.country.names, locale);
            match (city_name.is_empty(), country.is_empty()) {
                (false, false) => format!("{city_name}, {country}"),
                (true, false) => country,
                (false, true) => city_name,
                (true, true) => String::new(),
            }
        };
        let place = Place {
            en: label(Locale::En),
            fr: label(Locale::Fr),
            es: label(Locale::Es),
        };
        (!place.en.is_empty()).then_some(place)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_database() -> Locator {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/GeoLite2-City-Test.mmdb");
        Locator::open(&path).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_known_address_has_a_city_and_country_in_each_language() {
        let geo = test_database();
        let place = geo.locate(Some(
            "81.2.69.142".parse().unwrap_or_else(|_| unreachable!()),
        ));
        let place = place.unwrap_or_else(|| panic!("81.2.69.142 is in the test database"));
        assert_eq!(place.label(Locale::En), "London, United Kingdom");
        assert_eq!(place.label(Locale::Fr), "Londres, Royaume-Uni");
        assert_eq!(place.label(Locale::Es), "Londres, Reino Unido");
    }

    #[test]
    fn unknown_private_and_missing_addresses_have_no_location() {
        let geo = test_database();
        for ip in ["127.0.0.1", "10.1.2.3", "::1", "192.0.2.1"] {
            assert_eq!(geo.locate(ip.parse().ok()), None, "{ip}");
        }
        assert_eq!(geo.locate(None), None);
        assert_eq!(Locator::none().locate("81.2.69.142".parse().ok()), None);
    }

    #[test]
    fn a_file_that_is_not_a_database_is_refused_clearly() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let err = Locator::open(&path).err().unwrap_or_default();
        assert!(err.contains("GEOIP_DATABASE"), "{err}");
        assert!(Locator::open(Path::new("/nonexistent/GeoLite2-City.mmdb")).is_err());
    }
}
