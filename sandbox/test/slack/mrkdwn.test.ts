// mrkdwn → HTML as a Slack client shows it, and nothing a user typed ever becomes markup.
import fc from 'fast-check';
import { mrkdwnToHtml } from '../../src/slack/mrkdwn';

const NOW = new Date('2023-11-14T22:13:20Z'); // 1700000000
const names = {
  user: (id: string) => ({ U123: 'ann' })[id],
  channel: (id: string) => ({ C777: 'triage' })[id],
  now: NOW,
};
const render = (text: string) => mrkdwnToHtml(text, names);

describe('mrkdwnToHtml', () => {
  it.each([
    ['bold', 'a *bold* word', 'a <strong>bold</strong> word'],
    ['italic', 'an _italic_ word', 'an <em>italic</em> word'],
    ['strike', 'a ~struck~ word', 'a <del>struck</del> word'],
    ['nested emphasis', '*bold _and italic_*', '<strong>bold <em>and italic</em></strong>'],
    ['inline code, unformatted', 'run `npm *run* stack` now', 'run <code>npm *run* stack</code> now'],
    ['a code block', '```\nline *1*\n<b>2</b>\n```', '<pre>line *1*\n&lt;b&gt;2&lt;/b&gt;\n</pre>'],
    ['a quote', '&gt; quoted *text*\nafter', '<blockquote>quoted <strong>text</strong></blockquote>after'],
    [
      'a labelled link',
      'see <https://example.com/a?b=1&amp;c=2|the page>',
      'see <a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer" target="_blank">the page</a>',
    ],
    [
      'a bare link',
      '<https://example.com>',
      '<a href="https://example.com" rel="noopener noreferrer" target="_blank">https://example.com</a>',
    ],
    [
      'a mail link',
      '<mailto:ann@example.com|Ann>',
      '<a href="mailto:ann@example.com" rel="noopener noreferrer" target="_blank">Ann</a>',
    ],
    [
      'a bold link',
      '*<https://example.com|Open>*',
      '<strong><a href="https://example.com" rel="noopener noreferrer" target="_blank">Open</a></strong>',
    ],
    ['a user mention with a known name', 'hi <@U123>', 'hi <span class="mention">@ann</span>'],
    ['a user mention of someone unknown', 'hi <@W999|bob>', 'hi <span class="mention">@bob</span>'],
    ['a channel mention with its label', '<#C123|general>', '<span class="mention">#general</span>'],
    ['a channel mention looked up', '<#C777>', '<span class="mention">#triage</span>'],
    [
      '@here and @channel',
      '<!here> <!channel|channel> <!everyone>',
      '<span class="mention">@here</span> <span class="mention">@channel</span> <span class="mention">@everyone</span>',
    ],
    ['a user group', '<!subteam^S0123|@oncall>', '<span class="mention">@oncall</span>'],
    [
      'a date',
      '<!date^1700000000^{date_short} {time}|fallback>',
      '<span class="date" title="fallback (shown in UTC)">Nov 14, 2023 10:13 PM</span>',
    ],
    [
      'a pretty date',
      '<!date^1700000000^{date_short_pretty} at {time}|2023-11-14 22:13 UTC>',
      '<span class="date" title="2023-11-14 22:13 UTC (shown in UTC)">today at 10:13 PM</span>',
    ],
    [
      'a long date and seconds',
      '<!date^1699913600^{date_long} {time_secs}|x>',
      '<span class="date" title="x (shown in UTC)">Monday, November 13th, 2023 10:13:20 PM</span>',
    ],
    ['a date ago', '<!date^1699999880^{ago}|x>', '<span class="date" title="x (shown in UTC)">2 minutes ago</span>'],
    ['a date with an unknown token shows its fallback', '<!date^1700000000^{nonsense}|the fallback>', 'the fallback'],
    ['a broken date shows its fallback', '<!date^soon^{date}|whenever>', 'whenever'],
    ['entities', 'a &lt;b&gt; &amp;amp; c', 'a &lt;b&gt; &amp;amp; c'],
    ['emoji', ':rotating_light: *URGENT* :not_an_emoji:', '🚨 <strong>URGENT</strong> :not_an_emoji:'],
    ['no emphasis inside words', 'snake_case_name and 2*3*4', 'snake_case_name and 2*3*4'],
    ['no emphasis across lines', '*not\nbold*', '*not\nbold*'],
  ])('renders %s', (_name, input, html) => {
    expect(render(input)).toBe(html);
  });

  it.each([
    ['a script tag', '<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['an img with a handler', '<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['a javascript: link', '<javascript:alert(1)|click me>', '&lt;javascript:alert(1)|click me&gt;'],
    ['a data: link', '<data:text/html,<b>x</b>|x>', '&lt;data:text/html,&lt;b&gt;x&lt;/b&gt;|x&gt;'],
    [
      'a quote breaking out of href',
      '<https://x.example/"onmouseover="alert(1)|x>',
      '&lt;https://x.example/&quot;onmouseover=&quot;alert(1)|x&gt;',
    ],
    ['markup in a link label', '<https://x.example|<b>bold</b>>', '&lt;https://x.example|&lt;b&gt;bold&lt;/b&gt;&gt;'],
    ['entity-encoded markup', '&lt;script&gt;alert(1)&lt;/script&gt;', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    [
      'markup in a user label',
      '<@U999|"><script>x</script>>',
      '<span class="mention">@&quot;</span>&lt;script&gt;x&lt;/script&gt;&gt;',
    ],
    [
      'markup in a date fallback',
      '<!date^1^{date}|"><img src=x>>',
      '<span class="date" title="&quot; (shown in UTC)">January 1st, 1970</span>&lt;img src=x&gt;&gt;',
    ],
    [
      'a forged placeholder',
      '\uE0000\uE001 <https://a.example|a>',
      '\uFFFD0\uFFFD <a href="https://a.example" rel="noopener noreferrer" target="_blank">a</a>',
    ],
    ['code with a quote inside a link target', '<https://a.example/`"x`|y>', '&lt;https://a.example/`&quot;x`|y&gt;'],
  ])('escapes %s', (_name, input, html) => {
    expect(render(input)).toBe(html);
  });

  it('never lets text open a tag or an attribute, whatever it is', () => {
    const ALLOWED =
      /^<(\/?(strong|em|del|code|pre|blockquote)|span class="(mention|date)"( title="[^"<>]*")?|\/span|a href="(https?:\/\/|mailto:)[^"<>\s]*" rel="noopener noreferrer" target="_blank"|\/a)>$/;
    const alphabet = fc.constantFrom(
      ...'<>|&;@#!^*_~`"\'=:/ \nabcUCW1hreftps{}date'.split(''),
      '<!date^1700000000^{time}|',
      '<https://x.example|',
      '<@U1>',
      '&lt;',
      '&gt;',
      '&amp;',
      '\uE000',
      '\uE001',
      '```',
    );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 60 }).map((parts) => parts.join('')),
        (input) => {
          const html = render(input);
          for (const tag of html.match(/<[^>]*>?/g) ?? []) expect(tag).toMatch(ALLOWED);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
