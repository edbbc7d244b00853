use super::*;

#[test]
fn codes_are_six_digits_and_vary() {
    let codes: Vec<String> = (0..50).map(|_| generate()).collect();
    assert!(codes
        .iter()
        .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit())));
    let distinct: std::collections::BTreeSet<_> = codes.iter().collect();
    assert!(distinct.len() > 40, "{distinct:?}");
}

#[test]
fn pasted_codes_with_spaces_are_accepted() {
    assert_eq!(normalize(" 123 456 "), Some("123456".into()));
    assert_eq!(normalize("123-456"), Some("123456".into()));
    assert_eq!(normalize("12345"), None);
    assert_eq!(normalize("12345a"), None);
}

#[test]
fn the_country_allow_list_matches_calling_codes() {
    let mut p = Policy::default();
    assert!(p.allows_number("+33612345678"));
    p.allowed_countries = vec!["33".into(), "44".into()];
    assert!(p.allows_number("+33612345678"));
    assert!(p.allows_number("+447700900123"));
    assert!(!p.allows_number("+12025550123"));
}
