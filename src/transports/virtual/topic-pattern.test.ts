import assert from 'node:assert/strict';
import { test } from 'node:test';
import { topicPattern } from './topic-pattern.js';

test("topicPattern writes kombu's key_to_pattern text byte for byte", () => {
  // Expected values printed by kombu 5.2.4's TopicExchange.key_to_pattern.
  assert.equal(topicPattern('math.#'), '^math\\..*?$');
  assert.equal(topicPattern('*.x'), '^.*?[^\\.]\\.x$');
  assert.equal(topicPattern('hackfun#workerQueue@webhook'), '^hackfun#workerQueue\\@webhook$');
  assert.equal(topicPattern('a-b.c_d'), '^a\\-b\\.c\\_d$');
  assert.equal(topicPattern('#'), '^.*?$');
  assert.equal(topicPattern('日本.*'), '^日本\\..*?[^\\.]$');
});
