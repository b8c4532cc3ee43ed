// @ts-check
// An ESLint rule of this repository (`eslint.config.js`): requirement ids (`R7`, `R13`, `R26–R30`…, see the
// requirement file) name the tests that prove a requirement. In the library's comments and strings they mean nothing
// to a user reading JSDoc in an editor or an error message: cite the RFC / MCP specification section instead.

/** `R` followed by one or two digits, as a word: `R7`, `(R13)`, `R26–R30`; not `RS256`, `R2D2` or `ERR_…`. */
export const REQUIREMENT_ID = /\bR\d{1,2}\b/;

/** @type {import('eslint').Rule.RuleModule} */
const noRequirementIds = {
  meta: {
    type: 'suggestion',
    docs: { description: 'Disallow requirement ids (R1…R45) in comments and strings of the library' },
    messages: {
      requirementId:
        'Requirement id "{{id}}" in a {{where}}: cite the RFC / MCP specification section or say it in words ' +
        '(requirement ids belong in test titles).',
    },
    schema: [],
  },
  create(context) {
    /**
     * @param {import('estree').Node | import('estree').Comment} node
     * @param {string} text
     * @param {string} where
     */
    const check = (node, text, where) => {
      const match = REQUIREMENT_ID.exec(text);
      if (match)
        context.report({
          loc: /** @type {any} */ (node).loc,
          messageId: 'requirementId',
          data: { id: match[0], where },
        });
    };
    return {
      Program() {
        for (const comment of context.sourceCode.getAllComments()) check(comment, comment.value, 'comment');
      },
      Literal(node) {
        if (typeof node.value === 'string') check(node, node.value, 'string');
      },
      TemplateElement(node) {
        check(node, node.value.raw, 'string');
      },
    };
  },
};

/** The plugin `eslint.config.js` registers as `nest-mcp-auth`. */
export default { rules: { 'no-requirement-ids': noRequirementIds } };
