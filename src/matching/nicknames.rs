//! Nickname table: English (and a few German, French, Spanish, Italian,
//! Portuguese, Dutch) diminutives mapped to their canonical given names,
//! so `Bob`, `Rob` and `Robert` compare as the same first name, and
//! `Paco` as `Francisco`. Each line is a group whose first word is the
//! canonical form; a nickname of several names (`Nick`, `Chris`, `Sam`)
//! stands for each ([`heads_key`]). A mistyped formal name of seven
//! letters or more (`Eliabeth`) resolves to the known name one edit away
//! when there is only one ([`resolve`]).

use std::collections::HashMap;
use std::sync::OnceLock;

const GROUPS: &str = "\
abigail abby abbie gail
abraham abe bram
albert al bert bertie
alexander alex alec alexandr sandy xander sasha alejandro alessandro alexandre sandro
alexandra alexa lexi sandra sasha alejandra alessandra
alfred alf alfie fred
alice ali alicia allie
allison allie ally alison
amanda mandy manda
andrew andy drew andreas andre andrea andres andrei
angela angie angelica
anna ann anne annie anita ana anya
anthony tony antony antonio anton toni tono
arthur art artie
barbara barb babs barbie
benjamin ben benny benji
bernard bernie barney
beverly bev
bradley brad
brian bryan
bridget biddy bridie
carol carole carolyn caroline carrie lina
catherine kate katie cathy kathy katherine kathryn caitlin cat katy kitty kat catharina katharina
charles charlie chuck chas carlos carl karl charly
charlotte lottie lotte
christina chris chrissy tina kristina christine kristin kirsten
christopher chris kit topher kris christoph cristobal
clifford cliff
cynthia cindy
daniel dan danny dani
david dave davy davey
deborah debbie deb debra
dennis denny
dominic dom nick
donald don donnie
dorothy dot dottie dolly
douglas doug
edward ed eddie ned ted teddy eduardo edouard
eleanor ellie nell nellie elle leonora
elizabeth liz lizzie beth betty betsy eliza libby lisa elisabeth elise elsa bettina
emily em emmy emilie
eugene gene
evelyn eve evie
florence flo flossie
frances fran fanny francie francesca
francis frank frankie francisco francesco francois franz paco pancho curro
frederick fred freddie fritz friedrich federico fede
gabriel gabe gabriele
gabrielle gaby gabby gabriella
gerald gerry jerry
geoffrey geoff jeff jeffrey
gregory greg
harold harry hal
helen helena nell ellen lena
henry hank harry hal enrique heinrich henri enrico quique
herbert herb bert
isaac ike
isabella isabel isabelle bella izzy
jacob jake jakob
james jim jimmy jamie jas diego jaime
jane janie jenny janet jan
jennifer jen jenny jenn
jessica jess jessie
joan joanie joanne joanna
john jack johnny jon jonny johann johannes juan giovanni jean hans ivan sean ian gianni joao
jonathan jon jonny nathan
joseph joe joey jose giuseppe josef sepp pepe pepito beppe peppe
josephine jo josie
joshua josh
judith judy jude
julia julie juliet julianne
katherine kate
kenneth ken kenny
lawrence larry laurie laurence lorenzo
leonard len lenny leo leon
leslie les
louis lou louie luis luigi ludwig
lucy lucinda lu lucia
margaret maggie meg peggy marge margie greta gretchen daisy madge margarita margot marguerite grete
mark marc marcus marco markus
martha marty mattie
martin marty
mary molly polly mae mamie maria marie mia maureen
matthew matt matty mathew matteo matthias mathieu
michael mike mick mickey mikey micky miguel michel michele mikhail misha
michelle shelly
nathaniel nate nat
nicholas nick nicky nico nicolas niklas nikolai klaus nicola
nicole nicki nikki
oliver ollie
olivia liv livvy
pamela pam
patricia pat patty trish tricia
patrick pat paddy rick
paul paulie pablo paolo
penelope penny
peter pete pedro pietro pierre
philip phil pip felipe filippo philipp phillip
rachel rachael
raymond ray ramon
rebecca becky becca
richard rick ricky dick rich richie ricardo riccardo
robert bob bobby rob robbie bert roberto robin
roger rodger
ronald ron ronnie
rosemary rose rosie rosa
samantha sam sammy
samuel sam sammy
sarah sara sally sadie
stephen steve stevie steven stephan esteban stefano stefan
stephanie steph stephie
susan sue susie suzanne suzy susanne
theodore theo ted teddy
theresa terry tess tessa teresa tracy
thomas tom tommy thom tomas tommaso
timothy tim timmy
valerie val
victoria vicky tori
vincent vince vinnie vincenzo enzo
virginia ginny ginger
walter walt wally
william bill billy will willy liam wilhelm guillermo guglielmo willem memo
winifred winnie
zachary zach zack
christian chris cristiano cristian
concepcion concha conchita
dolores lola lolita
guadalupe lupe lupita
ignacio nacho ignatius
jesus chuy chucho
manuel manolo manu
mercedes merche
rosario charo
salvatore toto
wolfgang wolf
";

/// The canonical given name for a folded first name; the name itself when
/// the table does not know it (or it has several words, such as a
/// transliterated Chinese given name, whose first syllable is not a name).
pub fn canonical(folded: &str) -> &str {
    heads(folded).first().copied().unwrap_or(folded)
}

/// Every canonical name a folded first name may stand for, in the table's
/// order: `nick` is both Dominic and Nicholas ([`canonical`] keeps the
/// first).
pub fn heads(folded: &str) -> &'static [&'static str] {
    head_lists().get(folded).map_or(&[], Vec::as_slice)
}

/// Each known name's [`heads`].
fn head_lists() -> &'static HashMap<&'static str, Vec<&'static str>> {
    static HEADS: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    HEADS.get_or_init(|| {
        let mut map: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        for line in GROUPS.lines() {
            let mut words = line.split_whitespace();
            let Some(head) = words.next() else { continue };
            for word in std::iter::once(head).chain(words) {
                let entry = map.entry(word).or_default();
                if !entry.contains(&head) {
                    entry.push(head);
                }
            }
        }
        map
    })
}

/// Every canonical name a folded first name may stand for, joined by `|`
/// in the table's order (`nick` → `dominic|nicholas`), its one canonical
/// name when there is one (`bob` → `robert`), else the name itself. Two
/// first names are nicknames of one name when their keys share a head
/// ([`share_a_head`]).
pub fn heads_key(folded: &str) -> &str {
    keys().get(folded).map_or(folded, String::as_str)
}

/// [`heads_key`] of a folded first name, or of the one known name it is a
/// typing error of: a word of at least [`TYPO_MIN_LETTERS`] letters that
/// the table does not know and that is not itself a given name of a known
/// gender (`Antonia` is not a typo of `Antonio`), one edit or adjacent
/// swap from known names (as long) of one canonical key only
/// (`eliabeth` → `elizabeth`; `gabriela`, near both `gabriele` and
/// `gabriella`, stays itself). `is_given_name` says whether a word is a
/// given name in its own right.
pub fn resolve(folded: &str, is_given_name: impl Fn(&str) -> bool) -> &str {
    if let Some(key) = keys().get(folded) {
        return key;
    }
    if folded.len() < TYPO_MIN_LETTERS
        || !folded.bytes().all(|b| b.is_ascii_lowercase())
        || is_given_name(folded)
    {
        return folded;
    }
    let near = near_index();
    let mut found: Option<&'static str> = None;
    let mut check = |candidate: &str| -> bool {
        for &word in near.get(candidate).map_or(&[][..], Vec::as_slice) {
            if !super::compare::within_one_edit(folded, word) {
                continue;
            }
            let key = heads_key(word);
            match found {
                None => found = Some(key),
                Some(other) if other == key => {}
                Some(_) => return false,
            }
        }
        true
    };
    // Every deletion of one letter (and the word itself) meets the same of
    // the known names: a substitution, insertion, deletion or adjacent
    // swap apart (then checked, as two deletions may be two edits apart).
    let mut buffer = String::with_capacity(folded.len());
    if !check(folded) {
        return folded;
    }
    for i in 0..folded.len() {
        buffer.clear();
        buffer.push_str(&folded[..i]);
        buffer.push_str(&folded[i + 1..]);
        if !check(&buffer) {
            return folded;
        }
    }
    found.unwrap_or(folded)
}

/// The shortest mistyped name [`resolve`] looks up: below it, one letter
/// off is often another name (`Mia` / `Mai`, `Ava` / `Asa`, `Marta` /
/// `Marty`).
pub const TYPO_MIN_LETTERS: usize = 7;

/// Each known name's [`heads_key`].
fn keys() -> &'static HashMap<&'static str, String> {
    static KEYS: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
    KEYS.get_or_init(|| {
        head_lists()
            .iter()
            .map(|(&word, heads)| (word, heads.join("|")))
            .collect()
    })
}

/// Known names of at least [`TYPO_MIN_LETTERS`] letters, by themselves
/// and by each of their one-letter deletions.
fn near_index() -> &'static HashMap<String, Vec<&'static str>> {
    static NEAR: OnceLock<HashMap<String, Vec<&'static str>>> = OnceLock::new();
    NEAR.get_or_init(|| {
        let mut map: HashMap<String, Vec<&'static str>> = HashMap::new();
        let mut add = |key: String, word: &'static str| {
            let entry = map.entry(key).or_default();
            if !entry.contains(&word) {
                entry.push(word);
            }
        };
        for line in GROUPS.lines() {
            for word in line.split_whitespace() {
                if word.len() < TYPO_MIN_LETTERS {
                    continue;
                }
                add(word.to_string(), word);
                for i in 0..word.len() {
                    add(format!("{}{}", &word[..i], &word[i + 1..]), word);
                }
            }
        }
        map
    })
}

/// Whether two [`heads_key`]s share a canonical name. Cheap when neither
/// is ambiguous (no `|`): then only equal keys share one.
pub fn share_a_head(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    if !a.contains('|') && !b.contains('|') {
        return false;
    }
    a.split('|')
        .any(|head| b.split('|').any(|other| other == head))
}

/// Whether a folded first name is a short form of its canonical name
/// (`kate` of `catherine`, `bill` of `william`), not a spelling or another
/// language's form of it (`katherine`, `tomas`, `ana`): clearly shorter,
/// under three quarters of its length.
pub fn is_diminutive(folded: &str) -> bool {
    let head = canonical(folded);
    head != folded && 4 * folded.chars().count() < 3 * head.chars().count()
}

/// Number of names the table knows (for the report and tests).
pub fn known() -> usize {
    head_lists().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diminutives_resolve_to_one_name() {
        assert_eq!(canonical("bob"), "robert");
        assert_eq!(canonical("bill"), "william");
        assert_eq!(canonical("liz"), "elizabeth");
        assert_eq!(canonical("peggy"), "margaret");
        assert_eq!(canonical("robert"), "robert");
        assert_eq!(canonical("zork"), "zork");
        assert_eq!(canonical("chao jun"), "chao jun");
    }

    #[test]
    fn a_nickname_may_stand_for_several_names() {
        assert_eq!(heads("nick"), ["dominic", "nicholas"]);
        assert_eq!(heads("nicholas"), ["nicholas"]);
        assert!(heads("zork").is_empty());
        assert!(is_diminutive("kate"));
        assert!(!is_diminutive("katherine"), "a spelling, not a short form");
        assert!(!is_diminutive("catherine"));
        assert!(is_diminutive("bill"));
        assert!(
            !is_diminutive("tomas"),
            "Spanish for Thomas, not a short form"
        );
    }

    #[test]
    fn ambiguous_nicknames_keep_every_name_they_stand_for() {
        assert_eq!(heads_key("nick"), "dominic|nicholas");
        assert_eq!(heads_key("bert"), "albert|herbert|robert");
        assert_eq!(heads_key("bob"), "robert");
        assert_eq!(heads_key("robert"), "robert");
        assert_eq!(heads_key("zork"), "zork");
        assert_eq!(heads_key("chao jun"), "chao jun");
        assert!(share_a_head(heads_key("nick"), heads_key("nicholas")));
        assert!(share_a_head(heads_key("nick"), heads_key("dom")));
        assert!(share_a_head(heads_key("rick"), heads_key("pat")), "Patrick");
        assert!(share_a_head(heads_key("fred"), heads_key("frederick")));
        assert!(share_a_head(heads_key("fred"), heads_key("alfie")));
        assert!(!share_a_head(heads_key("fred"), heads_key("winnie")));
        assert!(!share_a_head(heads_key("nick"), heads_key("nicole")));
        assert!(!share_a_head(heads_key("bob"), heads_key("bill")));
    }

    /// Over every pair of names in the table: the keys share a head exactly
    /// when the names' [`heads`] meet.
    #[test]
    fn sharing_a_head_is_meeting_heads_for_every_pair_of_known_names() {
        let words: Vec<&str> = head_lists().keys().copied().collect();
        for a in &words {
            for b in &words {
                let meet = heads(a).iter().any(|h| heads(b).contains(h));
                assert_eq!(share_a_head(heads_key(a), heads_key(b)), meet, "{a} / {b}");
            }
        }
    }

    #[test]
    fn a_mistyped_formal_name_resolves_to_its_one_known_neighbour() {
        let unknown = |_: &str| false;
        assert_eq!(resolve("eliabeth", unknown), "elizabeth");
        assert_eq!(resolve("elizzabeth", unknown), "elizabeth");
        assert_eq!(resolve("elizabteh", unknown), "elizabeth", "a swap");
        assert_eq!(resolve("fraancisco", unknown), "francis");
        assert_eq!(resolve("micheal", unknown), "michael");
        assert_eq!(resolve("nick", unknown), "dominic|nicholas");
        // Too short to tell a typo from another name.
        assert_eq!(resolve("micael", unknown), "micael");
        assert_eq!(resolve("jeanne", unknown), "jeanne");
        // Two edits away, or a name in its own right.
        assert_eq!(resolve("elizbth", unknown), "elizbth");
        assert_eq!(resolve("antonia", |w: &str| w == "antonia"), "antonia");
        // Near two names of different keys: left alone.
        assert_eq!(resolve("gabriela", unknown), "gabriela");
        assert_eq!(resolve("chao jun", unknown), "chao jun");
    }

    /// Names that share a root but are given as names of their own
    /// (Isabella and Elizabeth, Ella, Hannah and Anna, Miriam and Mary)
    /// are two names: a mother and a daughter of one house are not one
    /// person.
    #[test]
    fn names_given_in_their_own_right_are_not_nicknames() {
        for (a, b) in [
            ("isabella", "elizabeth"),
            ("bella", "ella"),
            ("ella", "elizabeth"),
            ("hannah", "anna"),
            ("miriam", "mary"),
        ] {
            assert!(!share_a_head(heads_key(a), heads_key(b)), "{a} / {b}");
        }
        assert!(share_a_head(heads_key("bella"), heads_key("isabella")));
        assert!(share_a_head(heads_key("liz"), heads_key("elizabeth")));
    }

    #[test]
    fn romance_diminutives_resolve() {
        assert!(share_a_head(heads_key("paco"), heads_key("francisco")));
        assert!(share_a_head(heads_key("pepe"), heads_key("jose")));
        assert!(share_a_head(heads_key("nacho"), heads_key("ignacio")));
        assert!(share_a_head(heads_key("chris"), heads_key("christian")));
    }

    #[test]
    fn the_table_is_large() {
        assert!(known() > 400, "{}", known());
    }
}
