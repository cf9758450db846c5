use super::*;

const ALICE: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGsvEowuQpHxq3e3I2EQfPaulFddCzQpbcjE0DXWHOmV";
const BOB_RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDcpx/HonZJXATfBXT+2fmXc/mco+qT2egHVtmdbzA5Kd4ojs4n1I4ZU/hkVbVq5+r54rHGDvjaqM86ESnTY+SGSxBmJH3L304RZVhVZM2pEQOiu1FHksG/+K3JRgm/X2zeRfjsWpbhZYPJ2Nfp8g4j85E9U+7VTTEG4J0xlc+oEiFoaDSUXZmUsRpJYKA1sU1ZF2ERdGRL29iNgiHjm9n0uZiOaRwb28MDTDwFu7pdZvCF0ktPLy3Nq0+p4Ef/LQvJrVMGIyevAghnNzCdda4n3DjShxcbctMrB8SsPUxas5pCC7ecPkhrlYnZ1ctSFLt22dxAaZV0DarSPvdK12qr";
/// Made by ssh-keygen for these tests only: a private key, which must never be echoed.
const PRIVATE: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACBrLxKMLkKR8at3tyNhEHz2rpRXXQs0KW3IxNA11hzplQ\n-----END OPENSSH PRIVATE KEY-----\n";

fn taken() -> Taken<'static> {
    Taken {
        names: vec!["erin", "items"],
    }
}

fn files(path: &Path) -> std::io::Result<String> {
    match path.to_str() {
        Some("keys/bob.pub") => Ok(format!("{BOB_RSA} bob@laptop\n")),
        Some("keys/carol") => Ok(PRIVATE.to_owned()),
        _ => Err(std::io::ErrorKind::NotFound.into()),
    }
}

fn refusals(text: &str) -> Vec<(String, usize, String)> {
    match parse(text, &taken(), &files) {
        Err(AnswersError::Invalid(errors)) => errors
            .into_iter()
            .map(|e| (e.key, e.line, e.message))
            .collect(),
        other => panic!("expected refusals, got {other:?}"),
    }
}

#[test]
fn a_good_roster_gives_each_squad_its_keys_and_limits() {
    let text = format!(
        "host = \"items.toml\"\nhealth = \"/ping\"\n\n[[squad]]\nname = \"avengers\"\n         keys = [\"{ALICE} alice\", \"keys/bob.pub\"]\nmemory_max = \"256M\"\ntasks_max = 64\n\n         [[squad]]\nname = \"xmen\"\nkeys = [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ6vTmKhXxZ8hVq0nOaH3vFkS7e1uH3VjR0i1yJm9c2p\"]\nmodule = \"wsgi:app\"\n"
    );
    let roster = parse(&text, &taken(), &files).expect("a good roster");
    assert_eq!(roster.host, PathBuf::from("items.toml"));
    assert_eq!(roster.domain, None);
    let [avengers, xmen] = &roster.squads[..] else {
        panic!("two squads");
    };
    assert_eq!(avengers.keys, [ALICE.to_owned(), BOB_RSA.to_owned()]);
    assert_eq!(
        (
            avengers.memory_max.as_str(),
            avengers.tasks_max.as_str(),
            avengers.cpu_quota.as_str()
        ),
        ("256M", "64", "100%")
    );
    assert_eq!(
        (avengers.module.as_str(), avengers.health.as_str()),
        ("app:app", "/ping")
    );
    assert_eq!(
        (xmen.module.as_str(), xmen.health.as_str()),
        ("wsgi:app", "/ping")
    );
}

#[test]
fn bad_squad_names_are_refused_at_their_lines() {
    let text = format!(
        "host = \"items.toml\"\n[[squad]]\nname = \"Avengers\"\nkeys = [\"{ALICE}\"]\n         [[squad]]\nname = \"postgres\"\nkeys = [\"keys/bob.pub\"]\n         [[squad]]\nname = \"erin\"\nkeys = [\"{ALICE}x\"]\n         [[squad]]\nname = \"items\"\nkeys = []\n"
    );
    let found = refusals(&text);
    let at: Vec<(&str, usize)> = found.iter().map(|(k, l, _)| (k.as_str(), *l)).collect();
    assert_eq!(
        at,
        [
            ("squad.name", 3),
            ("squad.name", 6),
            ("squad.name", 9),
            ("squad.keys", 10),
            ("squad.name", 12),
            ("squad.keys", 13)
        ],
        "{found:#?}"
    );
    assert!(found[0].2.contains("lower-case"), "{}", found[0].2);
    assert!(
        found[1].2.contains("already used by the system"),
        "{}",
        found[1].2
    );
    assert!(found[2].2.contains("the class's own"), "{}", found[2].2);
    assert!(found[4].2.contains("the class's own"), "{}", found[4].2);
    assert!(found[5].2.contains("no member's key"), "{}", found[5].2);
}

#[test]
fn a_squad_named_twice_and_a_key_given_twice_are_refused() {
    let text = format!(
        "host = \"items.toml\"\n[[squad]]\nname = \"avengers\"\nkeys = [\"{ALICE} alice\", \"keys/bob.pub\"]\n         [[squad]]\nname = \"avengers\"\nkeys = [\"{ALICE} alice@other\"]\n         [[squad]]\nname = \"xmen\"\nkeys = [\"{BOB_RSA}\"]\n"
    );
    let found = refusals(&text);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("squad.name", 6));
    assert!(
        found[0].2.contains("the first is on line 3"),
        "{}",
        found[0].2
    );
    assert_eq!((found[1].0.as_str(), found[1].1), ("squad.keys", 7));
    assert!(
        found[1].2.contains("already given on line 4"),
        "{}",
        found[1].2
    );
    assert_eq!((found[2].0.as_str(), found[2].1), ("squad.keys", 10));
    assert!(
        found[2].2.contains("for the squad avengers"),
        "the same key in another squad, named as a file there: {}",
        found[2].2
    );
}

#[test]
fn not_a_key_a_missing_file_and_a_damaged_key_are_refused() {
    let text = "host = \"items.toml\"\n[[squad]]\nname = \"avengers\"\nkeys = [\n  \"keys/alice.pub\",\n  \"ssh-dss AAAAB3NzaC1kc3MAAACBAP\",\n  \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGsvEowuQ\",\n  \"ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQDcpx\",\n]\n";
    let found = refusals(text);
    let lines: Vec<usize> = found.iter().map(|(_, l, _)| *l).collect();
    assert_eq!(lines, [5, 6, 7, 8], "{found:#?}");
    assert!(
        found[0].2.contains("no file keys/alice.pub"),
        "{}",
        found[0].2
    );
    assert!(
        found[1].2.contains("not an OpenSSH public key"),
        "{}",
        found[1].2
    );
    assert!(
        found[2].2.contains("damaged or cut short"),
        "{}",
        found[2].2
    );
    assert!(
        found[3].2.contains("damaged or cut short"),
        "an rsa blob under ed25519: {}",
        found[3].2
    );
}

#[test]
fn a_private_key_pasted_or_named_is_refused_without_its_text() {
    let pasted = PRIVATE.replace('\n', "\\n");
    let text = format!(
        "host = \"items.toml\"\n[[squad]]\nname = \"avengers\"\nkeys = [\"{pasted}\", \"keys/carol\"]\n"
    );
    let found = refusals(&text);
    assert_eq!(found.len(), 2, "{found:#?}");
    for (key, line, message) in &found {
        assert_eq!((key.as_str(), *line), ("squad.keys", 4));
        assert!(message.contains("PRIVATE key"), "{message}");
        for secret_line in PRIVATE.lines().skip(1).take(2) {
            assert!(
                !message.contains(secret_line),
                "its text is never said: {message}"
            );
        }
    }
    assert!(found[1].2.starts_with("keys/carol: "), "{}", found[1].2);
}

#[test]
fn the_roster_s_own_mistakes_name_their_keys() {
    let found = refusals("domain = \"not a domain\"\nhealth = \"ping\"\n");
    let keys: Vec<&str> = found.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(keys, ["host", "domain", "health", "squad"], "{found:#?}");
    let err = parse("[[squad]]\nname = \"a\"\nmembers = []\n", &taken(), &files)
        .expect_err("an unknown key");
    assert!(err.to_string().contains("members"), "{err}");
}
