// Values as scripts return them: a hash read by HGETALL inside a script comes back as a flat list.
import { hashFromPairs } from '../src';

describe('script values', () => {
  it('turns a flat field/value list into a hash', () => {
    expect(hashFromPairs(['a', '1', 'b', ''])).toEqual({ a: '1', b: '' });
    expect(hashFromPairs([])).toEqual({});
  });
});
