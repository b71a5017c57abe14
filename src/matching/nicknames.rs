//! Nickname table: English (and a few German, French, Spanish, Italian,
//! Dutch) diminutives mapped to one canonical given name, so `Bob`, `Rob`
//! and `Robert` compare as the same first name. Each line is a group whose
//! first word is the canonical form; a nickname that belongs to several
//! names (`Chris`, `Alex`, `Sam`) maps to the first group listing it.

use std::collections::HashMap;
use std::sync::OnceLock;

const GROUPS: &str = "\
abigail abby abbie gail
abraham abe bram
albert al bert bertie
alexander alex alec alexandr sandy xander sasha alejandro alessandro alexandre
alexandra alexa lexi sandra sasha alejandra alessandra
alfred alf alfie fred
alice ali alicia allie
allison allie ally alison
amanda mandy manda
andrew andy drew andreas andre andrea andres andrei
angela angie angelica
anna ann anne annie hannah anita ana anya
anthony tony antony antonio anton toni
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
elizabeth liz lizzie beth betty betsy eliza libby lisa elisabeth elise elsa ella bettina isabel isabella isabelle bella izzy
emily em emmy emilie
eugene gene
evelyn eve evie
florence flo flossie
frances fran fanny francie
francis frank frankie francisco francesco francois franz
frederick fred freddie fritz friedrich
gabriel gabe gabriele
gabrielle gaby gabby gabriella
gerald gerry jerry
geoffrey geoff jeff jeffrey
gregory greg
harold harry hal
helen helena nell ellen lena
henry hank harry hal enrique heinrich henri enrico
herbert herb bert
isaac ike
jacob jake jakob
james jim jimmy jamie jas diego jaime
jane janie jenny janet jan
jennifer jen jenny jenn
jessica jess jessie
joan joanie joanne joanna
john jack johnny jon jonny johann johannes juan giovanni jean hans ivan sean ian
jonathan jon jonny nathan
joseph joe joey jose giuseppe josef sepp
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
margaret maggie meg peggy marge margie greta gretchen daisy madge margarita margot marguerite
mark marc marcus marco markus
martha marty mattie
martin marty
mary molly polly mae mamie maria marie mia maureen miriam
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
vincent vince vinnie vincenzo
virginia ginny ginger
walter walt wally
william bill billy will willy liam wilhelm guillermo guglielmo willem
winifred winnie
zachary zach zack
";

fn table() -> &'static HashMap<&'static str, &'static str> {
    static TABLE: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map = HashMap::new();
        for line in GROUPS.lines() {
            let mut words = line.split_whitespace();
            let Some(canonical) = words.next() else {
                continue;
            };
            map.entry(canonical).or_insert(canonical);
            for word in words {
                map.entry(word).or_insert(canonical);
            }
        }
        map
    })
}

/// The canonical given name for a folded first name; the name itself when
/// the table does not know it (or it has several words, such as a
/// transliterated Chinese given name, whose first syllable is not a name).
pub fn canonical(folded: &str) -> &str {
    table().get(folded).copied().unwrap_or(folded)
}

/// Every canonical name a folded first name may stand for: `nick` is both
/// Dominic and Nicholas (the table's [`canonical`] keeps only the first).
pub fn heads(folded: &str) -> &'static [&'static str] {
    static HEADS: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    let heads = HEADS.get_or_init(|| {
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
    });
    heads.get(folded).map_or(&[], Vec::as_slice)
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
    table().len()
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
    fn the_table_is_large() {
        assert!(known() > 400, "{}", known());
    }
}
