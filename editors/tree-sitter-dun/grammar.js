/**
 * @file Tree-sitter grammar for dun, the language of debt-collection flows.
 * @license Apache-2.0
 *
 * grammar/dun.pest is the reference: this grammar accepts the files it
 * accepts, and bindings/rust/tests/agreement.rs fails when the two disagree
 * on a fixture or an example. Where the two differ on purpose, the test's
 * KNOWN_DIFFERENCES list says why.
 *
 * Keywords are contextual, as in the pest grammar: `identifier` is the word
 * token, so a keyword is only a keyword where it may appear (a stage may be
 * called `email`, a field `day`). Only the words of expressions are
 * reserved, as in the pest grammar: `identifier` matches every other word
 * (see `wordExcept`), so `stage and { ... }` is an error here as there.
 * (Tree-sitter's own reserved words need ABI 15, which Neovim 0.10 and
 * earlier cannot load; this grammar is generated for ABI 14.)
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

// Binding powers of the operators, loosest first (compiler/src/syntax/expr.rs).
const PREC = {
  or: 1,
  and: 2,
  not: 3,
  compare: 4,
  postfix: 5,
  add: 6,
  multiply: 7,
  negate: 8,
};

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const DURATION_UNITS = ['minute', 'minutes', 'hour', 'hours', 'day', 'days', 'week', 'weeks', 'month', 'months'];

// The words of expressions, which are never names (the pest grammar's
// `reserved`).
const RESERVED = ['and', 'or', 'not', 'is', 'in', 'account', 'event', 'true', 'false', 'today', 'now'];

const LETTER_OR_DIGIT = 'abcdefghijklmnopqrstuvwxyz0123456789_';

/**
 * A regular expression for the words `[a-z_][a-z0-9_]*` except `excluded`:
 * at each node of the excluded words' trie a word either ends (unless the
 * prefix is itself excluded), follows a branch of the trie, or leaves it by
 * a character no branch starts with.
 */
function wordExcept(excluded) {
  const trie = {children: {}, end: false};
  for (const word of excluded) {
    let node = trie;
    for (const c of word) {
      node = node.children[c] = node.children[c] || {children: {}, end: false};
    }
    node.end = true;
  }
  const anyRest = `[${LETTER_OR_DIGIT}]*`;
  const classOf = chars => chars.length === 1 ? chars : `[${chars}]`;
  const walk = (node, alphabet, atRoot) => {
    const branches = Object.keys(node.children).sort();
    const others = [...alphabet].filter(c => !branches.includes(c)).join('');
    const alternatives = branches.map(c => c + walk(node.children[c], LETTER_OR_DIGIT, false));
    if (others) {
      alternatives.push(classOf(others) + anyRest);
    }
    const group = `(${alternatives.join('|')})`;
    return atRoot || node.end ? group : `${group}?`;
  };
  return new RegExp(walk(trie, 'abcdefghijklmnopqrstuvwxyz_', true));
}

/** Items separated by optional commas, as everywhere in dun. */
function commaOptional(rule) {
  return seq(rule, optional(','));
}

/** `{ items }` */
function braced(rule) {
  return seq('{', repeat(rule), '}');
}

module.exports = grammar({
  name: 'dun',

  extras: $ => [/[ \t\n\r\f\v\uFEFF]/, $.comment],

  word: $ => $.identifier,

  // After `at_most 2`, a fee cap and a channel cap read the same words
  // (`fees`, `of`, a duration unit): both are kept until one fails, as the
  // pest grammar tries `fee_cap_rule` first and falls back on the other.
  conflicts: $ => [
    [$.at_most_rule, $._fee_number],
    [$.at_most_rule, $.fee_cap_rule],
    // `offer discount 10%` then a step `if ...`, or `offer discount 10% if
    // paid in full by ...`: the word after `if` decides.
    [$.offer_discount_step],
  ],


  supertypes: $ => [$._declaration, $._step, $._expression],

  rules: {
    source_file: $ => repeat($._declaration),

    _declaration: $ => choice(
      $.flow_declaration,
      $.currency_declaration,
      $.account_declaration,
      $.event_declaration,
      $.action_declaration,
      $.calendar_declaration,
      $.policy_declaration,
      $.var_declaration,
      $.segment_declaration,
      $.template_declaration,
      $.handler,
      $.deadline,
      $.start_declaration,
      $.stage_declaration,
      $.migrate_declaration,
      $.reenter_declaration,
      $.test_declaration,
      $.locale_declaration,
      $.language_declaration,
      $.payments_declaration,
      $.import_declaration,
    ),

    // ------------------------------------------------------------ declarations

    flow_declaration: $ => seq(
      'flow',
      field('name', $.identifier),
      optional(seq('version', field('version', $.integer))),
    ),

    // Any word is read here, as the pest grammar's `loose_code` does, so
    // that `currency usd` is left to the checker's precise message.
    currency_declaration: $ => seq(
      'currency',
      field('code', alias(/[A-Za-z][A-Za-z0-9_]*/, $.currency_code)),
    ),

    account_declaration: $ => seq('account', field('fields', $.field_list)),

    event_declaration: $ => seq(
      'event',
      field('name', $.identifier),
      optional(field('fields', $.field_list)),
    ),

    action_declaration: $ => seq(
      'action',
      field('name', $.identifier),
      field('fields', $.field_list),
    ),

    field_list: $ => braced($.field_declaration),

    field_declaration: $ => commaOptional(seq(
      field('name', $.identifier),
      ':',
      field('type', $.type),
    )),

    type: $ => seq(
      choice($.enum_type, alias($.identifier, $.type_identifier)),
      optional(field('optional', '?')),
    ),

    enum_type: $ => seq(
      alias($.identifier, $.variant),
      repeat1(seq('|', alias($.identifier, $.variant))),
    ),

    calendar_declaration: $ => seq(
      'calendar',
      field('name', $.identifier),
      '{',
      repeat(choice($.weekend_rule, $.holiday_rule)),
      '}',
    ),

    weekend_rule: $ => seq('weekend', $.weekday, repeat(seq(optional(','), $.weekday))),

    holiday_rule: $ => seq(
      choice('holiday', 'holidays'),
      $.date,
      repeat(seq(optional(','), $.date)),
    ),

    policy_declaration: $ => seq(
      'policy',
      '{',
      repeat(choice(
        $.contact_hours_rule,
        $.no_contact_rule,
        $.at_most_rule,
        $.pause_rule,
        $.hold_rule,
        $.stop_rule,
        $.fee_cap_rule,
        $.pause_promise_rule,
        $.person_rule,
        $.pause_plan_rule,
        $.pause_settlement_rule,
      )),
      '}',
    ),

    // `contact_hours [CHANNELS] 08:00 to 21:00` or, per day of the week,
    // `contact_hours mon-fri 08:00 to 21:00, sat 09:00 to 15:00`, in one
    // zone or in two (`in account.timezone and account.phone_timezone`).
    contact_hours_rule: $ => seq(
      'contact_hours',
      optional(field('channels', alias($.identifier, $.channel))),
      choice(
        seq($.day_window, repeat(seq(optional(','), $.day_window))),
        seq(field('from', $.time), 'to', field('to', $.time)),
      ),
      optional(seq(
        'in',
        field('zone', choice($.field_access, $.string)),
        // `and ZONE`: the hours hold in both zones.
        optional(seq('and', field('also', choice($.field_access, $.string)))),
      )),
    ),

    day_window: $ => seq(
      $.day_range,
      repeat(seq(optional(','), $.day_range)),
      field('from', $.time),
      'to',
      field('to', $.time),
    ),

    day_range: $ => seq($.week_day, optional(seq('-', $.week_day))),

    week_day: _ => choice(
      'monday', 'mon', 'tuesday', 'tue', 'wednesday', 'wed', 'thursday', 'thu',
      'friday', 'fri', 'saturday', 'sat', 'sunday', 'sun',
    ),

    no_contact_rule: $ => seq(
      'no_contact',
      'on',
      choice($.holidays_of, $.weekday_list),
    ),

    holidays_of: $ => seq(choice('holiday', 'holidays'), 'of', field('calendar', $.identifier)),

    weekday_list: $ => seq($.weekday, repeat(seq(optional(','), $.weekday))),

    // The words a fee cap may have after its number are keywords there,
    // so they are channels too: the pest grammar falls back on this rule
    // when `fee_cap_rule` fails (`at_most 2 fees per calendar week`).
    at_most_rule: $ => seq(
      'at_most',
      field('count', $.integer),
      field('channels', alias(
        choice($.identifier, 'fee', 'fees', 'of', ...DURATION_UNITS),
        $.channel,
      )),
      'per',
      field('window', choice($.calendar_week, $.duration)),
    ),

    // `at_most 2 fees per 30 days`, `at_most 80 USD of fees per 1 month`:
    // a cap on what `charge fee` charges over a sliding window.
    fee_cap_rule: $ => prec.dynamic(1, seq(
      'at_most',
      choice(
        seq(field('amount', $._fee_quantity), 'of', choice('fee', 'fees')),
        seq(field('count', $.integer), choice('fee', 'fees')),
      ),
      'per',
      field('window', $.duration),
    )),

    // The pest grammar's `quantity` before `of fees`: a duration there
    // takes the `of` as its calendar's, so it needs a calendar to be
    // followed by another `of`.
    _fee_quantity: $ => choice(
      $._fee_number,
      alias($._fee_percentage, $.percentage),
      alias($._fee_money, $.money),
      alias($._fee_duration, $.duration),
    ),
    _fee_number: $ => choice($.number, alias($.integer, $.number)),
    _fee_percentage: $ => seq($._fee_number, '%'),
    _fee_money: $ => seq($._fee_number, $.currency_code),
    _fee_duration: $ => seq(
      $._fee_number,
      $.duration_unit,
      'of',
      field('calendar', $.identifier),
    ),

    // `per calendar week`: Monday 00:00 to Sunday 24:00 in the flow's zone.
    calendar_week: _ => seq('calendar', 'week'),

    pause_rule: $ => seq(
      'pause',
      field('channels', alias($.identifier, $.channel)),
      'for',
      field('duration', $.duration),
      'after',
      field('event', $.identifier),
      optional($.when_clause),
    ),

    // `pause contact after dispute until dispute_resolved for at most 60 days`.
    // `and fees`: the hold also keeps `charge fee` from charging.
    hold_rule: $ => seq(
      'pause',
      field('channels', alias($.identifier, $.channel)),
      optional(field('fees', $.hold_fees)),
      'after',
      field('event', $.identifier),
      'until',
      field('release', $.identifier),
      optional(seq('for', 'at', 'most', field('longest', $.duration))),
      optional($.when_clause),
    ),

    // `person account.customer_id`: caps, pauses and stops count across
    // every account with the same value of that field.
    person_rule: $ => seq('person', field('field', $.field_access)),

    hold_fees: _ => seq('and', choice('fee', 'fees')),

    // `pause calls while promise open`.
    pause_promise_rule: $ => seq(
      'pause',
      field('channels', alias($.identifier, $.channel)),
      'while',
      'promise',
      'open',
    ),

    // `pause calls while plan current`.
    pause_plan_rule: $ => seq(
      'pause',
      field('channels', alias($.identifier, $.channel)),
      'while',
      'plan',
      'current',
    ),

    // `pause calls while settlement open`.
    pause_settlement_rule: $ => seq(
      'pause',
      field('channels', alias($.identifier, $.channel)),
      'while',
      'settlement',
      'open',
    ),

    stop_rule: $ => seq(
      'stop',
      field('channels', alias($.identifier, $.channel)),
      'on',
      field('event', $.identifier),
      optional($.when_clause),
    ),

    var_declaration: $ => seq(
      'var',
      field('name', $.identifier),
      ':',
      field('type', $.type),
      '=',
      field('value', $._expression),
    ),

    segment_declaration: $ => seq(
      'segment',
      field('name', $.identifier),
      '=',
      field('value', $._expression),
    ),

    template_declaration: $ => seq(
      'template',
      field('name', $.identifier),
      'for',
      field('channel', alias($.identifier, $.channel)),
      optional($.template_locale),
      optional($.approved),
      field('body', choice($.template_file, $.template_email, $.template_languages, $.string)),
    ),

    // `locale "en-US"`: how the template writes money and dates.
    template_locale: $ => seq('locale', field('locale', $.string)),

    // `approved "overdue_notice_v2" language "es_PE"`: WhatsApp's approval.
    approved: $ => seq(
      'approved',
      field('name', $.string),
      'language',
      field('language', $.string),
    ),

    // `{ es "..." en "..." }`: a text per language.
    template_languages: $ => seq('{', repeat1($.template_language), '}'),

    template_language: $ => seq(
      field('language', $.identifier),
      optional($.template_locale),
      optional($.approved),
      field('body', choice($.template_email, $.template_file, $.string)),
    ),

    // `locale "es-PE"`: money and dates in messages are written for it.
    locale_declaration: $ => seq('locale', field('locale', $.string)),

    // `language account.language fallback es`.
    language_declaration: $ => seq(
      'language',
      field('field', $.field_access),
      'fallback',
      field('fallback', $.identifier),
    ),

    template_file: $ => seq('file', field('path', $.string)),

    template_email: $ => seq(
      '{',
      'subject',
      field('subject', $.string),
      'body',
      field('body', $.string),
      '}',
    ),

    handler: $ => seq(
      'on',
      field('event', $.identifier),
      optional($.when_clause),
      choice(
        seq('->', field('target', $.identifier)),
        field('body', $.block),
      ),
    ),

    when_clause: $ => seq('when', field('condition', $._expression)),

    start_declaration: $ => seq('start', field('stage', $.identifier)),

    migrate_declaration: $ => seq(
      'migrate',
      'from',
      'version',
      field('version', $.integer),
      '{',
      repeat(choice($.migrate_var, $.migrate_move)),
      '}',
    ),

    migrate_var: $ => commaOptional(seq(
      'var',
      field('variable', $.identifier),
      '=',
      field('value', $._expression),
    )),

    migrate_move: $ => commaOptional(seq(
      'stage',
      field('from', $.identifier),
      optional(field('from_place', $.migrate_place)),
      '->',
      field('to', $.identifier),
      optional(seq('at', field('to_place', $.migrate_place))),
    )),

    migrate_place: $ => choice(
      'start',
      seq('wait', $.integer),
      seq('contact', $.integer),
    ),

    reenter_declaration: $ => seq('reenter', $.when_clause),

    // `payments from payment.amount`: the event that is a payment and its
    // field holding the amount paid.
    // `import "policies/reg_f.dun"`: the declarations of another file,
    // found relative to this one.
    import_declaration: $ => seq('import', field('path', $.string)),

    payments_declaration: $ => seq(
      'payments',
      'from',
      field('event', $.identifier),
      '.',
      field('field', $.identifier),
    ),

    stage_declaration: $ => seq(
      'stage',
      field('name', $.identifier),
      field('body', $.stage_body),
    ),

    // The pest grammar reads handlers written after a step as
    // `misplaced_handler` only to word the checker's message; the language
    // it accepts is the same as this interleaving.
    stage_body: $ => seq('{', repeat(choice($.handler, $.deadline, $._step)), '}'),

    // `at account.due_date + 45 days [when COND] -> law_firm`: a move at a
    // moment computed from the account's data; flow-wide, or among a
    // stage's handlers for that stage only.
    deadline: $ => seq(
      'at',
      field('moment', $._expression),
      optional($.when_clause),
      '->',
      field('target', $.identifier),
    ),

    // ------------------------------------------------------------ steps

    block: $ => seq('{', repeat($._step), '}'),

    _step: $ => choice(
      $.send_step,
      $.call_step,
      $.wait_step,
      $.if_step,
      $.repeat_step,
      $.split_step,
      $.goto_step,
      $.end_step,
      $.set_step,
      $.assign_queue_step,
      $.assign_agency_step,
      $.offer_discount_step,
      $.offer_plan_step,
      $.alert_step,
      $.emit_step,
      $.charge_step,
      $.interest_step,
      $.promise_step,
      $.plan_step,
      $.offer_settlement_step,
    ),

    send_step: $ => seq(
      'send',
      field('channel', alias($.identifier, $.channel)),
      field('template', $.identifier),
      optional(seq('to', field('target', $.send_target))),
      optional($.when_clause),
    ),

    send_target: $ => seq(optional(seq('account', '.')), field('field', $.identifier)),

    call_step: $ => seq(
      'call',
      optional(seq('queue', field('queue', $.identifier))),
      optional(seq('priority', field('priority', $.priority))),
      optional($.when_clause),
    ),

    wait_step: $ => seq(
      'wait',
      choice(
        seq('until', field('until', $._expression)),
        field('duration', $.duration),
      ),
    ),

    if_step: $ => seq(
      'if',
      field('condition', $._expression),
      field('consequence', $.block),
      repeat($.else_if_clause),
      optional($.else_clause),
    ),

    else_if_clause: $ => seq(
      'else',
      'if',
      field('condition', $._expression),
      field('consequence', $.block),
    ),

    else_clause: $ => seq('else', field('body', $.block)),

    repeat_step: $ => seq('repeat', field('count', $.integer), 'times', field('body', $.block)),

    split_step: $ => seq('split', '{', repeat($.split_arm), '}'),

    split_arm: $ => commaOptional(seq(
      field('share', $.percentage),
      '->',
      field('target', $.identifier),
    )),

    goto_step: $ => seq('goto', field('target', $.identifier)),

    end_step: $ => seq('end', field('outcome', $.identifier)),

    set_step: $ => seq(
      'set',
      field('variable', $.identifier),
      '=',
      field('value', $._expression),
    ),

    assign_queue_step: $ => seq(
      'assign',
      'queue',
      field('queue', $.identifier),
      optional(seq('priority', field('priority', $.priority))),
    ),

    // `for 90 days`: the agency has the account that long, then it is
    // recalled.
    assign_agency_step: $ => seq(
      'assign',
      'agency',
      field('agency', $.string),
      optional(seq('for', field('duration', $.duration))),
    ),

    offer_discount_step: $ => seq(
      'offer',
      'discount',
      field('discount', $.percentage),
      optional(choice(
        seq('for', field('duration', $.duration)),
        $.paid_in_full_by,
      )),
    ),

    // `if paid in full by today + 30 days`: the balance less the discount,
    // paid by that day, settles the account.
    paid_in_full_by: $ => seq('if', 'paid', 'in', 'full', 'by', field('until', $._expression)),

    // `offer settlement account.balance * 60% until today + 14 days`.
    offer_settlement_step: $ => seq(
      'offer',
      'settlement',
      field('amount', $._expression),
      'until',
      field('until', $._expression),
    ),

    // `up to`: the debtor picks the count, from 2 to N.
    offer_plan_step: $ => seq(
      'offer',
      'plan',
      optional($.plan_up_to),
      field('installments', $.integer),
      'installments',
      'every',
      field('every', $.duration),
    ),

    alert_step: $ => seq('alert', field('team', $.identifier), field('message', $.string)),

    emit_step: $ => seq(
      'emit',
      field('action', $.identifier),
      optional(field('fields', $.field_values)),
    ),

    // `charge fee 15 USD ["late fee"] [when COND]`.
    charge_step: $ => seq(
      'charge',
      choice('fee', 'fees'),
      field('amount', $._quantity),
      optional(field('reason', $.string)),
      optional($.when_clause),
    ),

    // `freeze interest`, `resume interest`.
    interest_step: _ => seq(choice('freeze', 'resume'), 'interest'),

    // `promise event.amount by event.due grace 3 days`.
    promise_step: $ => seq(
      'promise',
      field('amount', $._expression),
      'by',
      field('due', $._expression),
      optional(seq('grace', field('grace', $.duration))),
    ),

    // `plan event.total in event.count installments every 1 month from
    // event.first grace 5 days`: the plan the debtor accepted.
    plan_step: $ => seq(
      'plan',
      field('amount', $._expression),
      'in',
      field('installments', $._expression),
      'installments',
      'every',
      field('every', $.duration),
      'from',
      field('first', $._expression),
      optional(seq('grace', field('grace', $.duration))),
    ),

    plan_up_to: _ => seq('up', 'to'),

    // The pest grammar's `quantity`: a number, alone or with `%`, a
    // currency code or a duration unit.
    _quantity: $ => choice(
      $.number,
      alias($._spaced_percentage, $.percentage),
      $.money,
      $.duration,
    ),

    field_values: $ => braced($.field_value),

    field_value: $ => commaOptional(seq(
      field('name', $.identifier),
      ':',
      field('value', $._expression),
    )),

    // ------------------------------------------------------------ tests

    test_declaration: $ => seq(
      'test',
      field('title', $.string),
      '{',
      repeat(choice($.given, $.given_arm, $.test_start, $.on_day)),
      '}',
    ),

    // `given account a2 { ... }`: one of several named accounts.
    given: $ => seq(
      'given',
      'account',
      optional(field('name', $.identifier)),
      field('fields', $.field_values),
    ),

    // `given arm reminder_b`: the account takes the split arm to that stage.
    given_arm: $ => seq('given', 'arm', field('stage', $.identifier)),

    test_start: $ => seq(
      'start',
      'at',
      field('date', $.date),
      field('time', $.time),
      optional(seq('in', field('zone', $.string))),
    ),

    on_day: $ => seq(
      'on',
      'day',
      field('day', $.integer),
      optional(seq('at', field('time', $.time))),
      optional(seq('for', field('account', $.identifier))),
      choice($.receive, $.update, $.expect),
    ),

    receive: $ => seq('receive', field('event', $.identifier), optional(field('fields', $.field_values))),

    update: $ => seq('update', 'account', field('fields', $.field_values)),

    expect: $ => seq('expect', choice(
      $.expect_sent,
      $.expect_call,
      $.expect_no,
      $.expect_assigned_queue,
      $.expect_assigned_agency,
      $.expect_offer,
      $.expect_alert,
      $.expect_emitted,
      $.expect_stage,
      $.expect_end,
      $.expect_variable,
      $.expect_no_fee,
      $.expect_offer_plan,
      $.expect_charged,
      $.expect_interest,
      $.expect_promise,
      $.expect_recalled,
      $.expect_plan,
      $.expect_installment,
      $.expect_offer_settlement,
      $.expect_settlement,
    )),

    expect_sent: $ => seq(
      'sent',
      field('channel', alias($.identifier, $.channel)),
      field('template', $.identifier),
      optional(seq('in', field('language', $.identifier))),
    ),
    expect_call: $ => prec.right(seq('call', optional(seq('queue', field('queue', $.identifier))))),
    expect_no: $ => seq('no', field('channels', alias($.identifier, $.channel))),
    expect_assigned_queue: $ => seq('assigned', 'queue', field('queue', $.identifier)),
    expect_assigned_agency: $ => seq('assigned', 'agency', field('agency', $.string)),
    expect_offer: $ => seq('offer', 'discount', field('discount', $.percentage)),
    expect_alert: $ => seq('alert', field('team', $.identifier)),
    expect_emitted: $ => seq('emitted', field('action', $.identifier)),
    expect_stage: $ => seq('stage', field('stage', $.identifier)),
    expect_end: $ => seq('end', field('outcome', $.identifier)),
    // A variable may be called like an expectation (`expect no == 3`): the
    // pest grammar tries the expectation first and falls back on the
    // variable, which `==` tells apart here. Not `call`: `expect call` is
    // whole without a queue, so pest never falls back there.
    expect_variable: $ => seq(
      field('variable', choice(
        $.identifier,
        alias(choice(
          'sent', 'no', 'assigned', 'offer', 'alert', 'emitted', 'stage', 'end',
          'charged', 'interest', 'promise', 'recalled', 'plan', 'installment',
          'settlement',
        ), $.identifier),
      )),
      '==',
      field('value', $._expression),
    ),
    // `expect no fees`: no fee charged that day.
    expect_no_fee: _ => seq('no', choice('fee', 'fees')),
    // `expect offer plan [N installments [every D]]`.
    expect_offer_plan: $ => prec.right(seq(
      'offer',
      'plan',
      optional(seq(
        optional($.plan_up_to),
        field('installments', $.integer),
        'installments',
        optional(seq('every', field('every', $.duration))),
      )),
    )),
    // `expect charged fee [40 EUR] ["late fee"]`.
    expect_charged: $ => prec.right(seq(
      'charged',
      choice('fee', 'fees'),
      optional(field('amount', $._quantity)),
      optional(field('reason', $.string)),
    )),
    // `expect interest [not] frozen`, at the end of the day.
    expect_interest: _ => seq('interest', optional('not'), 'frozen'),
    expect_promise: $ => seq('promise', field('state', $.identifier)),
    // `expect plan current|completed|broken`, at the end of the day.
    expect_plan: $ => seq('plan', field('state', $.identifier)),
    // `expect installment missed`: an installment was missed that day.
    expect_installment: _ => seq('installment', 'missed'),
    expect_recalled: $ => seq('recalled', 'agency', field('agency', $.string)),
    // `expect offer settlement [600 USD] [until 2026-03-16]`.
    expect_offer_settlement: $ => prec.right(seq(
      'offer',
      'settlement',
      optional(field('amount', $._quantity)),
      optional(seq('until', field('until', $.date))),
    )),
    // `expect settlement open|paid|lapsed`, at the end of the day.
    expect_settlement: $ => seq('settlement', field('state', $.identifier)),

    // ------------------------------------------------------------ expressions

    // Precedence as the compiler applies it (compiler/src/syntax/expr.rs):
    // every operand is an expression and the binding powers decide, so
    // `not a == b` is `not (a == b)` and `a + b is set` is `(a + b) is set`.
    // Like the pest grammar, this accepts a chain of comparisons; the
    // compiler rejects it (dun::syntax::comparison_chain).
    _expression: $ => choice(
      $._primary,
      $.logical_expression,
      $.not_expression,
      $.comparison_expression,
      $.arithmetic_expression,
      $.negation,
      $.is_set_expression,
      $.in_expression,
    ),

    logical_expression: $ => choice(
      prec.left(PREC.or, seq(field('left', $._expression), field('operator', 'or'), field('right', $._expression))),
      prec.left(PREC.and, seq(field('left', $._expression), field('operator', 'and'), field('right', $._expression))),
    ),

    not_expression: $ => prec(PREC.not, seq('not', field('operand', $._expression))),

    comparison_expression: $ => prec.left(PREC.compare, seq(
      field('left', $._expression),
      field('operator', choice('==', '!=', '<', '<=', '>', '>=')),
      field('right', $._expression),
    )),

    is_set_expression: $ => prec(PREC.postfix, seq(field('operand', $._expression), 'is', 'set')),

    in_expression: $ => prec(PREC.postfix, seq(
      field('operand', $._expression),
      'in',
      field('list', $.list),
    )),

    list: $ => seq('[', repeat(commaOptional($._expression)), ']'),

    arithmetic_expression: $ => choice(
      prec.left(PREC.add, seq(field('left', $._expression), field('operator', choice('+', '-')), field('right', $._expression))),
      prec.left(PREC.multiply, seq(field('left', $._expression), field('operator', choice('*', '/')), field('right', $._expression))),
    ),

    negation: $ => prec(PREC.negate, seq('-', field('operand', $._expression))),

    _primary: $ => choice(
      $.boolean,
      $.today,
      $.now,
      $.field_access,
      $.identifier,
      $.datetime,
      $.date,
      $.time,
      $.number,
      alias($._spaced_percentage, $.percentage),
      $.money,
      $.duration,
      $.string,
      $.parenthesized_expression,
    ),

    parenthesized_expression: $ => seq('(', $._expression, ')'),

    field_access: $ => seq(
      field('object', choice('account', 'event')),
      '.',
      field('field', $.identifier),
    ),

    boolean: _ => choice('true', 'false'),
    today: _ => 'today',
    now: _ => 'now',

    // ------------------------------------------------------------ literals

    identifier: _ => wordExcept(RESERVED),

    weekday: _ => choice(...WEEKDAYS),
    priority: _ => choice(...PRIORITIES),

    // A count: no fraction (`repeat 3 times`, `version 2`, `on day 10`).
    integer: _ => /[0-9][0-9_]*/,
    number: _ => /[0-9][0-9_]*(\.[0-9][0-9_]*)?/,

    // `80%` in a split or an offer is one word; in an expression the sign
    // may stand apart, as in the pest grammar's `quantity`.
    percentage: $ => seq($.number, token.immediate('%')),
    _spaced_percentage: $ => seq($.number, '%'),

    money: $ => seq($.number, $.currency_code),

    currency_code: _ => /[A-Z][A-Za-z0-9_]*/,

    duration: $ => seq(
      $.number,
      $.duration_unit,
      optional(seq('of', field('calendar', $.identifier))),
    ),

    duration_unit: _ => choice(...DURATION_UNITS, /business[ \t\n\r]+days?/),

    date: _ => /[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/,
    time: _ => /[0-9]{1,2}:[0-9]{2}/,
    // In a list, `[2026-03-01 09:00]` is one datetime, as the pest grammar
    // tries `datetime` first.
    datetime: $ => prec(1, seq($.date, $.time)),

    string: $ => seq(
      '"',
      repeat(choice($.string_content, $.escape_sequence, $.placeholder)),
      token.immediate('"'),
    ),

    // `{{` and `}}` are literal braces; a lone `{` opens a placeholder.
    string_content: _ => token.immediate(prec(1, /(\{\{|[^"\\{])+/)),

    escape_sequence: _ => token.immediate(prec(2, /\\(.|\n)/)),

    placeholder: $ => seq(token.immediate('{'), $._expression, '}'),

    comment: _ => token(seq('#', /[^\n]*/)),
  },
});
