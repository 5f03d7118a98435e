// msgpackr treats a falsy module as "no native extractor" and decodes strings in JavaScript.
module.exports = null;
