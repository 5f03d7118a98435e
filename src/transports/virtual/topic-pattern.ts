/**
 * kombu's topic binding regex (`virtual/exchange.py` `TopicExchange.key_to_pattern`): the binding
 * key's words joined by `\.`, `*` → one word, `#` → any run (kombu's reading, which needs at
 * least the separating dot: `math.#` does not match `math`). The text is byte-for-byte kombu's,
 * because on Redis it is stored in `_kombu.binding.<exchange>` members that Python processes
 * read and write too.
 */

const WILDCARDS: Readonly<Record<string, string>> = { '*': '.*?[^\\.]', '#': '.*?' };

/** kombu's `escape_regex(key, '.#*')`: a backslash before every character that is not alphanumeric. */
function escapeRegex(text: string): string {
  let out = '';
  for (const c of text) {
    if (c === '.' || c === '#' || c === '*' || /^[\p{L}\p{N}]$/u.test(c)) out += c;
    else out += c === '\0' ? '\\000' : `\\${c}`;
  }
  return out;
}

/** The regex source kombu stores for a topic binding key (`math.#` → `^math\..*?$`). */
export function topicPattern(bindingKey: string): string {
  const words = escapeRegex(bindingKey)
    .split('.')
    .map((word) => WILDCARDS[word] ?? word);
  return `^${words.join('\\.')}$`;
}

/**
 * Compiles a stored topic pattern; null when it is not valid JavaScript regex syntax (such a
 * binding never matches). Compiled without the `u` flag so kombu's identity escapes (`\@`) work.
 */
export function compileTopicPattern(pattern: string): RegExp | null {
  try {
    return new RegExp(pattern);
  } catch {
    return null;
  }
}
