package dev.opsdeck.analysis;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.miscellaneous.RemoveDuplicatesTokenFilter;
import org.apache.lucene.analysis.pattern.PatternCaptureGroupTokenFilter;
import org.apache.lucene.analysis.email.UAX29URLEmailTokenizer;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * The three analysis components the .security index's mapping names (its "email" analyzer:
 * the uax_url_email tokenizer, then pattern_capture, lowercase and unique), which the test
 * distribution lacks because they live in the analysis-common module it leaves out. Without
 * them Elasticsearch cannot create .security, so it keeps no native users, roles or API keys.
 * Each is the Lucene class the real module wraps; settings as the reference documents them.
 */
public class SecurityIndexAnalysis extends Plugin implements AnalysisPlugin {
    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of(
            "pattern_capture", AnalysisPlugin.requiresAnalysisSettings((index, env, name, settings) -> {
                List<String> patterns = settings.getAsList("patterns");
                if (patterns.isEmpty()) throw new IllegalArgumentException("pattern_capture [" + name + "] needs patterns");
                Pattern[] compiled = patterns.stream().map(Pattern::compile).toArray(Pattern[]::new);
                boolean preserveOriginal = settings.getAsBoolean("preserve_original", true);
                return new AbstractTokenFilterFactory(name, settings) {
                    @Override
                    public TokenStream create(TokenStream input) {
                        return new PatternCaptureGroupTokenFilter(input, preserveOriginal, compiled);
                    }
                };
            }),
            // Lucene's filter removes duplicates at the same position: the real one's
            // only_on_same_position: true, which is what .security's analyzer needs.
            "unique", (index, env, name, settings) -> new AbstractTokenFilterFactory(name, settings) {
                @Override
                public TokenStream create(TokenStream input) {
                    return new RemoveDuplicatesTokenFilter(input);
                }
            }
        );
    }

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of("uax_url_email", (index, env, name, settings) -> {
            int maxTokenLength = settings.getAsInt("max_token_length", 255);
            return TokenizerFactory.newFactory(name, () -> {
                UAX29URLEmailTokenizer tokenizer = new UAX29URLEmailTokenizer();
                tokenizer.setMaxTokenLength(maxTokenLength);
                return tokenizer;
            });
        });
    }
}
