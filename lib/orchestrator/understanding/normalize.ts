/**
 * @module lib/orchestrator/understanding/normalize
 * A request as the matcher reads it: lower case, contractions spelled out, politeness and
 * filler dropped ("please", "can you", "I'd like to know"), words folded to one spelling of
 * what they mean ("ram" → memory, "storage" → disk, "reboot" → restart) and to a crude stem
 * ("listening" → listen), so that paraphrases meet on the same words.
 */

const CONTRACTIONS: Array<[RegExp, string]> = [
  [/\b(what|who|where|how|that|there|it|here|which|when|why)'s\b/g, "$1 is"],
  [/\b(is|are|was|were|do|does|did|has|have|had|could|would|should)n't\b/g, "$1 not"],
  [/\bcan't\b/g, "can not"],
  [/\bwon't\b/g, "will not"],
  [/\bi'm\b/g, "i am"],
  [/\b(i|you|we|they)'d\b/g, "$1 would"],
  [/\b(i|you|we|they)'ve\b/g, "$1 have"],
  [/\b(i|you|we|they)'ll\b/g, "$1 will"],
  [/\b(you|we|they)'re\b/g, "$1 are"],
  [/\blet's\b/g, "let us"],
  // A possessive: "nginx's logs" → "nginx logs".
  [/(\w)'s\b/g, "$1"],
];

// Longest first: "i would like to know" before "i would like".
const FILLER = [
  "i would like to know",
  "i would like to see",
  "i would like you to",
  "i would like to",
  "i want to know",
  "i want to see",
  "i want you to",
  "i want to",
  "i need to know",
  "i need you to",
  "i need to",
  "i wonder",
  "do you know",
  "can you tell me",
  "could you tell me",
  "would you tell me",
  "tell me",
  "let me know",
  "can you please",
  "could you please",
  "would you please",
  "will you please",
  "can you",
  "could you",
  "would you",
  "will you",
  "would it be possible to",
  "please",
  "kindly",
  "for me",
  "real quick",
  "quickly",
  "right now",
  "at the moment",
  "currently",
  "go ahead and",
  "help me",
  "hey",
  "hello",
  "hi",
  "aios",
  "thanks",
  "thank you",
  "just",
  "actually",
  "any idea",
  "i am curious",
  "on this machine",
  "on this box",
  "on this server",
  "on this system",
  "on this computer",
  "on the machine",
  "on the server",
  "on the system",
  "on the box",
  "on this host",
  "in this machine",
  "this machine",
  "this box",
  "this server",
  "this computer",
  "the machine",
  "the server",
  "the box",
  "my machine",
  "my server",
  "my computer",
];

const FILLER_PATTERN = new RegExp(`\\b(?:${FILLER.map((f) => f.replace(/ /g, "\\s+")).join("|")})\\b`, "g");

/** One spelling per meaning. Multi-word phrases first, then single words. */
const PHRASES: Array<[RegExp, string]> = [
  // "What is PATH set to" asks for a value; it does not set anything.
  [/\b(is|are) ((?:the |my |our )?\S+) set to\b/g, "$1 $2 value"],
  // "Can bob write to X" asks about a permission; it is not writing anything.
  [/\b(can|may|could) (\S+) write\b/g, "$1 $2 writable"],
  // Taking a block away is its own action: an accept rule after a drop would change nothing.
  [
    /\bunblock\b|\bunban\b|\bstop blocking\b|\blift the (?:block|ban)\b|\bremove the (?:block|ban)\b|\bremove the rule blocking\b|\bdelete the (?:firewall )?rule\b|\bremove the (?:firewall )?rule\b/g,
    "unblock",
  ],
  // Plain synonyms first, so the phrases below see one spelling.
  [/\bprocessors?\b|\bcores?\b|\bcpus?\b|\bvcpus?\b/g, "cpu"],
  [/\bram\b|\bmemory\b|\bmem\b/g, "memory"],
  [/\butili[sz]ation\b|\butili[sz]ed\b|\busage\b|\bused\b|\buse\b(?! the most| most)/g, "usage"],
  [/\b(?:disk|storage) (?:space )?(?:is )?(?:free|left|available)\b/g, "disk free space"],
  [/\bstates?\b/g, "status"],
  [/\blet (?:\w+ )?in\b/g, "allow"],
  [/\bmaxed out\b|\bpegged\b|\bat 100 ?%|\bflat out\b|\boverloaded\b/g, "busy"],
  // Packages: apt's and dpkg's spellings are the plain verbs.
  [/\b(apt(?:-get)? \w+|install) -y\b/g, "$1"],
  [/\bapt(?:-get)? (?:install|add)\b/g, "install"],
  [/\bapt(?:-cache|-get)? search\b/g, "search the packages for"],
  [/\bapt(?:-cache)? (?:show|info)\b/g, "package info for"],
  // "What is installed" asks what is there; it installs nothing.
  [/\binstalled\b/g, "present"],
  [/\bapt(?:-get)? (?:remove|purge|autoremove)\b|\bdpkg (?:-r|-P|--remove|--purge)\b/g, "uninstall"],
  [/\bapt(?:-get)? update\b|\b(?:update|refresh|reload) (?:the |my )?(?:package |apt )?(?:index|indexes|lists?|package lists?|sources)\b/g, "refresh package index"],
  // Things we do not do: a verb no intent has, so the request is not taken for one that does something else.
  [
    /\b(?:summari[sz]e|explain|investigate|diagnose|troubleshoot|figure out|find out why|work out|research|review|evaluate|assess|plan|fix|harden|compile|upgrade|update|configure|set ?up|setup|write|translate|encrypt|decrypt|send|schedule|optimi[sz]e|debug|analy[sz]e|secure|tune|deploy|build|format|mount|unmount|partition|resize|extend|shrink|patch|migrate|sync|backup|restore|tell a|sing|draw)\b/g,
    "<other-verb>",
  ],
  [/\bfree (?:up )?(?:some|more)\b|\bclean(?:up| up)?\b|\bclear(?: out)?\b|\bpurge\b|\bprune\b|\btidy(?: up)?\b|\bcompress\b|\brotate\b/g, "<other-verb>"],
  [/\badd\b|\bappend\b|\binsert\b|\bjoin\b/g, "<other-verb>"],
  [/\bhow much (?:space|room|disk|storage) (?:is|does) (zqx\d+zqx) (?:eating|using|taking|take|use|occupy|occupying|consume|consuming)\b/g, "size $1"],
  [/\bgive me\b|\bshow me\b|\blet me see\b|\bdisplay\b|\bprint\b|\bcat\b|\bdump\b/g, "show"],
  [/\bhow much (?:free )?(?:space|room)\b|\bspace left\b|\broom left\b|\bfree space\b|\bavailable space\b|\bspace (?:is )?(?:free|available)\b/g, "free space"],
  [/\bhard drives?\b|\bhard disks?\b|\bfile ?systems?\b|\bpartitions?\b|\bdrives?\b|\bstorage\b|\bvolumes?\b|\bmounts?\b/g, "disk"],
  [/\bhow long\b.*\b(up|running|on)\b|\bsince (?:when|last boot)\b|\buptime\b/g, "uptime"],
  [/\bip address(?:es)?\b|\bip addr\b|\baddresses\b/g, "address"],
  [/\bhost ?name\b|\bmachine name\b|\bcomputer name\b|\bname of (?:the|this) (?:machine|host|computer|server)\b/g, "hostname"],
  [/\bopen ports\b|\blistening ports?\b|\bports? (?:that are )?open\b|\bports? in use\b/g, "listen port"],
  [/\bdefault gateway\b|\bgateway\b|\brouting table\b|\broutes?\b/g, "route"],
  [/\bnet(?:work)? ?interfaces?\b|\bnics?\b|\bnetwork cards?\b|\bnetwork adapters?\b|\blinks?\b/g, "interface"],
  [/\bfirewall rules?\b|\bnft(?:ables)? rules?\b|\biptables(?: rules?)?\b|\bfirewall\b|\bnftables\b/g, "firewall"],
  [/\bkernel version\b|\bkernel release\b|\bwhich kernel\b|\bwhat kernel\b|\buname\b/g, "kernel"],
  [/\bos version\b|\blinux version\b|\bversion of linux\b|\bdistro(?:bution)?\b|\bwhat os\b|\bwhich os\b|\boperating system\b|\bos release\b/g, "os release"],
  [/\bhow many\b|\bnumber of\b|\bcount of\b|\bcount\b/g, "count"],
  [
    /\bbiggest\b|\blargest\b|\bhuge\b|\bheaviest\b|\btakes? up (?:the )?most (?:space|room)\b|\btaking up (?:the )?most (?:space|room)\b|\b(?:hog|hogs|hogging|eat|eats|eating|fill|fills|filling|take|takes|taking|using|uses) (?:up )?(?:all )?(?:the |my )?(?:disk|space|room|storage)\b|\bwasting space\b/g,
    "biggest",
  ],
  [/\b(?:eating|eats|hogging|hogs|consuming|consumes) (?:up )?(?:all )?(?:the |my )?cpu\b|\bmost cpu\b|\bcpu hogs?\b|\bcpu consumers?\b|\bbusiest\b/g, "top cpu"],
  [
    /\b(?:using|uses|eating|eats|hogging|hogs|taking|takes|consuming|consumes|usage) (?:up )?(?:all )?(?:the |my )?memory\b(?! is| left| free)|\bmost memory\b|\bmemory hogs?\b|\bmemory consumers?\b/g,
    "top memory",
  ],
  [/\bwhy did\b|\bwhy does\b|\bwhy is\b|\bwhat went wrong with\b|\bwhat is wrong with\b|\bwhat happened to\b/g, "why"],
  [/\bturn off\b|\bshut down\b|\bshutdown\b|\bbring down\b|\btake down\b|\bdisable\b|\bhalt\b/g, "stop"],
  [/\bturn on\b|\bbring up\b|\bfire up\b|\bspin up\b|\benable\b|\blaunch\b/g, "start"],
  [/\bbounce\b|\breload\b|\breboot\b|\brestart\b|\bkick\b|\bcycle\b/g, "restart"],
  [/\bterminate\b|\bend\b|\bkill off\b|\bkill -9\b|\bforce quit\b|\bp?killall\b|\bpkill\b/g, "kill"],
  [/\bblock devices?\b/g, "blockdevice"],
  [/\b(?:have|got) (?:still )?(?:enough |any |some )?(?:space|room)\b/g, "free space"],
  [/\bweigh(?:s)?\b/g, "size"],
  [/\blogged\b|\blogging\b/g, "log"],
  [/\b(?:change|set)(?= (?:the |my |its |it |to |a |an |all )(?!(?:mode|permissions?)\b))/g, "<other-verb>"],
  [/\b(?:speed|improve|boost|accelerate|slow)\b/g, "<other-verb>"],
  // "open /etc/fstab" reads a file; "open port 80" lets traffic in (below).
  [/\bopen(?=\s+(?:the file\s+)?zqx)/g, "show"],
  [/\blog ?in\b/g, "login"],
  [/\blog files?\b(?! in| under)|\blogs?\b|\bjournal\b|\boutput\b/g, "log"],
  [/\berrors?\b|\bfailures?\b|\bproblems?\b|\bwarnings?\b|\bcrash(?:es|ed)?\b/g, "error"],
  [/\bdirector(?:y|ies)\b|\bfolders?\b|\bdirs?\b/g, "directory"],
  [/\bcreate\b|\bmake(?= (?:a |an |the |new |me a )?(?:new )?(?:directory|folder|dir|file|copy)\b)|\bnew\b/g, "create"],
  [/\bmake\b/g, "<other-verb>"],
  [/\bdelete\b|\bremove\b|\berase\b|\bget rid of\b|\bwipe\b|\brm\b/g, "delete"],
  [/\bcopy\b|\bduplicate\b|\bcp\b/g, "copy"],
  [/\bmove\b|\brename\b|\bmv\b/g, "move"],
  [/\bchmod\b|\bpermissions?\b|\bperms\b|\bmode\b|\baccess rights\b/g, "permission"],
  [/\bwhat is in\b|\bwhat is inside\b|\bcontents? of\b|\blist files in\b|\blist\b|\bls\b|\benumerate\b/g, "list"],
  [/\bsearch\b|\blook for\b|\blocate\b|\bfind\b|\bwhere is\b|\bwhere are\b|\bgrep\b/g, "find"],
  [/\bresolve\b|\blook up\b|\blookup\b|\bdns\b|\bnslookup\b|\bdig\b/g, "dns"],
  [/\breachable\b|\breach\b|\bping\b|\bup and running\b|\balive\b|\bresponding\b|\bonline\b/g, "reach"],
  [/\bblock\b|\bdeny\b|\bdrop\b|\bban\b|\bclose\b|\breject\b/g, "block"],
  [/\ballow\b|\bopen up\b|\bopen\b|\bpermit\b|\baccept\b/g, "allow"],
  [/\bsize of\b|\bhow big\b|\bhow large\b|\bhow heavy\b|\bdu\b|\bspace used by\b|\bspace does\b|\bspace taken\b/g, "size"],
  [/\bswap\b/g, "memory"],
  [/\bunique\b|\bdistinct\b|\bdifferent\b|\buniq\b/g, "distinct"],
  [/\bdaemons?\b|\bservices?\b|\bunits?\b/g, "service"],
  [/\bprocesses\b|\bprocs?\b|\btasks?\b|\bprograms?\b|\bapps?\b|\bapplications?\b|\bps\b|\bjobs?\b/g, "process"],
  [/\btime ?zones?\b|\btz\b/g, "timezone"],
  [/\bdate and time\b|\btime and date\b|\bdate\b|\bclock\b|\btime is it\b|\bthe time\b/g, "time"],
  [/\bhardware\b|\bdevices?\b|\bspecs?\b|\blspci\b|\blsblk\b/g, "hardware"],
  [/\baccounts?\b|\busers?\b|\bpeople\b/g, "user"],
  [/\bgroups?\b/g, "group"],
  [/\bshells?\b/g, "shell"],
];

/** Words that carry no meaning for the matcher. */
export const STOPWORDS = new Set([
  "the",
  "a",
  "an",
  "of",
  "on",
  "in",
  "at",
  "to",
  "for",
  "is",
  "are",
  "was",
  "were",
  "be",
  "been",
  "it",
  "its",
  "this",
  "that",
  "these",
  "those",
  "my",
  "our",
  "your",
  "me",
  "i",
  "we",
  "you",
  "us",
  "do",
  "does",
  "did",
  "there",
  "here",
  "and",
  "or",
  "any",
  "some",
  "all",
  "every",
  "with",
  "by",
  "from",
  "into",
  "onto",
  "under",
  "inside",
  "within",
  "so",
  "as",
  "what",
  "which",
  "who",
  "whom",
  "whose",
  "how",
  "can",
  "could",
  "would",
  "should",
  "will",
  "shall",
  "may",
  "might",
  "must",
  "have",
  "has",
  "had",
  "now",
  "then",
  "out",
  "about",
  "currently",
  "today",
  "please",
  "ok",
  "okay",
  "one",
  "ones",
  "thing",
  "things",
  "stuff",
  "bit",
  "let",
  "get",
  "got",
  "see",
  "check",
  "know",
  "tell",
  "give",
  "am",
  "being",
  "again",
  "also",
  "too",
  "very",
  "really",
  "much",
  "many",
  "more",
  "still",
  "yet",
  "ever",
  "exactly",
  "like",
  "defined",
  "configured",
  "existing",
  "present",
  "installed",
  "right",
  "coming",
  "going",
  "whole",
  "entire",
  "whatever",
  "whichever",
  "something",
  "anything",
  "everything",
  "someone",
  "anyone",
  "them",
  "they",
  "he",
  "she",
  "him",
  "her",
  "his",
  "if",
  "whether",
]);

function stem(word: string): string {
  if (word.startsWith("<") || word.length <= 3) return word;
  if (word.length === 4) return word.replace(/(?<=[a-z]{2}[^su])s$/, "");
  return word
    .replace(/ies$/, "y")
    .replace(/(ss|us|is)$/, "$1")
    .replace(/(?<=[a-z]{3})(ing|ed)$/, "")
    .replace(/(?<=[a-z]{3})es$/, "")
    .replace(/(?<=[a-z]{3}[^s])s$/, "");
}

export interface Token {
  /** The word as folded (synonyms), before stemming: a name keeps its spelling. */
  word: string;
  stem: string;
}

/** Lower-cased, contractions expanded, filler dropped, synonyms folded: the words to match. */
export function normalizeWords(text: string): string[] {
  return tokenize(text).map((t) => t.stem);
}

export function tokenize(text: string): Token[] {
  let t = ` ${text.toLowerCase().replace(/[’‘`]/g, "'")} `;
  for (const [pattern, replacement] of CONTRACTIONS) t = t.replace(pattern, replacement);
  // Some flags say what: grep -c counts.
  t = t.replace(/\bgrep\s+-c\b/g, " count ");
  // Command-line flags ("-la", "--all") say how, not what.
  t = t.replace(/(?<=\s)--?[a-z][\w-]*(?:=\S*)?/g, " ");
  // The whole machine is not a service: powering it off or restarting it is not ours to take from a sentence.
  t = t.replace(
    /\b(?:restart|reboot|shut ?down|power ?off|power ?cycle|halt|poweroff)\s+(?:the\s+|this\s+|my\s+)?(?:whole\s+|entire\s+)?(?:machine|system|server|computer|box|host|os|vm)\b/g,
    " <other-verb> ",
  );
  t = t.replace(FILLER_PATTERN, " ");
  // Placeholders ("<mode>") are kept out of reach of the phrases, then put back.
  const held: string[] = [];
  t = t.replace(/<[a-z0-9-]+>/g, (placeholder) => ` zqx${held.push(placeholder) - 1}zqx `).replace(/\s+/g, " ");
  for (const [pattern, replacement] of PHRASES) t = t.replace(pattern, replacement);
  t = t.replace(/zqx(\d+)zqx/g, (_, i: string) => held[Number(i)]!);
  // Keep placeholders whole; everything else that is not a letter or digit is a space.
  t = t.replace(/[^a-z0-9<>_\s-]+/g, " ").replace(/(?<![<\w])-|-(?![\w>])/g, " ");
  return t
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => ({ word, stem: stem(word) }));
}

/** The words that mean something: stopwords removed. */
export function contentWords(words: readonly string[]): string[] {
  return words.filter((w) => !STOPWORDS.has(w));
}
